-- Every payment loaded is in `payments`; every payment with cash not applied is in the exception
-- queue (nothing applied, or a remainder), unless a person's decision placed it and left the
-- rest; a payment applied in full never is.
with loaded as (
    select distinct payment_id from {{ ref('stg_payments__transactions') }}
),

queued as (
    select payment_id from {{ ref('reconciliation_exceptions') }}
),

decided as (
    select distinct payment_id from {{ ref('payment_applications') }}
    where decided_by is not null
)

select
    loaded.payment_id,
    'loaded but not in payments' as problem
from loaded
where
    not exists (
        select 1
        from {{ ref('payments') }} as payments
        where payments.payment_id = loaded.payment_id
    )

union all

select
    payments.payment_id,
    case when payments.applied_amount = 0 then 'nothing applied' else 'a remainder unapplied' end
    || ' and not queued' as problem
from {{ ref('payments') }} as payments
where
    payments.unapplied_amount > 0
    and payments.payment_id not in (select payment_id from queued)
    and payments.payment_id not in (select payment_id from decided)

union all

select
    payments.payment_id,
    'applied in full and queued' as problem
from {{ ref('payments') }} as payments
where payments.unapplied_amount = 0 and payments.payment_id in (select payment_id from queued)
