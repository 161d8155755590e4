-- Cash conservation (DESIGN §4): every payment's amount is exactly what was applied plus what
-- is left unapplied, and what was applied is exactly its applications.
with applications as (
    select
        payment_id,
        sum(applied_amount) as applied
    from {{ ref('payment_applications') }}
    group by payment_id
)

select
    payments.payment_id,
    payments.amount,
    payments.applied_amount,
    payments.unapplied_amount,
    applications.applied
from {{ ref('payments') }} as payments
left join applications using (payment_id)
where
    payments.amount != payments.applied_amount + payments.unapplied_amount
    or payments.applied_amount != coalesce(applications.applied, 0)
    or payments.applied_amount < 0
    or payments.unapplied_amount < 0
