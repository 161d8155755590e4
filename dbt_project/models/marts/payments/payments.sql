-- One row per distinct payment with what was applied and what is left; `match_status` is
-- `matched` (all applied), `partial` (some applied; the rest is unapplied, and queued unless a
-- person's decision left it) or `exception` (in the queue, nothing applied).

with applied as (
    select
        payment_id,
        cast(sum(applied_amount) as decimal(18, 2)) as applied_amount,
        count(*) as invoices_applied
    from {{ ref('payment_applications') }}
    group by payment_id
),

payments as (
    select
        payments.*,
        cast(coalesce(applied.applied_amount, 0) as decimal(18, 2)) as applied_amount,
        coalesce(applied.invoices_applied, 0) as invoices_applied
    from {{ ref('int_payments_deduplicated') }} as payments
    left join applied using (payment_id)
)

select
    payment_id,
    bank_transaction_id,
    received_on,
    amount,
    currency,
    payer,
    reference,
    applied_amount,
    cast(amount - applied_amount as decimal(18, 2)) as unapplied_amount,
    case
        when applied_amount = 0 then 'exception'
        when applied_amount = amount then 'matched'
        else 'partial'
    end as match_status,
    invoices_applied,
    source_file,
    times_loaded,
    duplicate_of as possible_duplicate_of,
    statement_account,
    format,
    first_seen_at
from payments
