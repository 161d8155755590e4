-- Every payment loaded is in `payments`, and is either applied (fully, or partly with the rest
-- recorded as unapplied) or in the exception queue, never both and never neither.
with loaded as (
    select distinct payment_id from {{ ref('stg_payments__transactions') }}
),

queued as (
    select payment_id from {{ ref('reconciliation_exceptions') }}
)

select
    loaded.payment_id,
    'loaded but not in payments' as problem
from loaded
anti join {{ ref('payments') }} using (payment_id)

union all

select
    payments.payment_id,
    'nothing applied and not queued' as problem
from {{ ref('payments') }} as payments
where payments.applied_amount = 0 and payments.payment_id not in (select payment_id from queued)

union all

select
    payments.payment_id,
    'applied and queued' as problem
from {{ ref('payments') }} as payments
where payments.applied_amount > 0 and payments.payment_id in (select payment_id from queued)
