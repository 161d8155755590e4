-- Promises to pay collectors and customers recorded (contract C3). A promise covers its invoice,
-- the set of invoices a customer chose, or the account's invoices (in its currency, when it names
-- one). It is kept when payments applied to
-- them and received from the day it was made up to its promised date reach the promised
-- amount, broken when that date passed short of it, else pending. A newer promise for the same
-- account (and the same invoices) made while an older one was still pending supersedes the older one.
-- Director portal answers with a promised date are not formal promises: they stay in the
-- worklist as director answers.

with promises as (
    select
        entry_id,
        account_id,
        invoice_key,
        invoice_keys,
        collector,
        currency,
        promised_amount,
        submitted_on as promised_on,
        promised_date,
        note,
        entered_by,
        submitted_at,
        lead(submitted_on) over (
            partition by account_id, invoice_keys order by entry_id
        ) as next_promise_on
    from {{ ref('stg_portal__collector_entries') }}
    where kind = 'promise' and submitted_on <= {{ as_of_date() }}
),

payments_in_window as (
    select
        promises.entry_id,
        applied.received_on,
        sum(applied.applied_amount) over (
            partition by promises.entry_id
            order by applied.received_on, applied.payment_id, applied.invoice_key
            rows between unbounded preceding and current row
        ) as paid_so_far,
        applied.applied_amount
    from promises
    inner join {{ ref('int_account_payments_applied') }} as applied
        on
            promises.account_id = applied.account_id
            and (promises.invoice_keys is null or {{ ll_list_contains('promises.invoice_keys', 'applied.invoice_key') }})
            and (promises.currency is null or promises.currency = applied.currency)
            and applied.received_on between promises.promised_on and promises.promised_date
),

paid as (
    select
        promises.entry_id,
        cast(coalesce(sum(payments_in_window.applied_amount), 0) as decimal(18, 2)) as paid_amount,
        min(payments_in_window.received_on) filter (
            where payments_in_window.paid_so_far >= promises.promised_amount
        ) as kept_on
    from promises
    left join payments_in_window using (entry_id)
    group by promises.entry_id
),

decided as (
    select
        promises.*,
        paid.paid_amount,
        paid.kept_on,
        case
            when paid.paid_amount >= promises.promised_amount then 'kept'
            when promises.next_promise_on <= promises.promised_date then 'superseded'
            when promises.promised_date < {{ as_of_date() }} then 'broken'
            else 'pending'
        end as status
    from promises
    inner join paid using (entry_id)
)

select
    cast(entry_id as varchar) as promise_id,
    account_id,
    invoice_key,
    invoice_keys,
    collector,
    currency,
    promised_amount,
    promised_on,
    promised_date,
    paid_amount,
    status,
    status = 'broken' as is_broken,
    case when status = 'kept' then kept_on end as kept_on,
    case when status = 'broken' then cast(promised_date + 1 as date) end as broken_on,
    cast(greatest(promised_amount - paid_amount, 0) as decimal(18, 2)) as shortfall_amount,
    note,
    entered_by,
    submitted_at,
    {{ as_of_date() }} as as_of
from decided
