-- Payments in the exception queue that one collector can place: every candidate invoice the
-- queue names belongs to that collector. A payment whose candidates span collectors, or that
-- names none (unknown payer, possible duplicate), stays with cash application in
-- `reconciliation_exceptions` and is on nobody's list. The item's amount is the cash still to
-- place: for a remainder, what was applied already lowered its invoices' balances, so listing
-- the whole payment would count that money twice.

with candidates as (
    select
        exceptions.payment_id,
        listed.invoice_key
    from {{ ref('reconciliation_exceptions') }} as exceptions,
        unnest({{ ll_json_invoice_keys('exceptions.candidates') }}) as listed (invoice_key)
),

owners as (
    select
        candidates.payment_id,
        min({{ worklist_collector('ledger.collector') }}) as collector,
        count(distinct {{ worklist_collector('ledger.collector') }}) as collectors,
        min(coalesce(ledger.account_id, ledger.account_name)) as account_id,
        count(distinct coalesce(ledger.account_id, ledger.account_name)) as accounts,
        min(ledger.account_name) as account_name
    from candidates
    inner join {{ ref('ar_ledger') }} as ledger using (invoice_key)
    group by candidates.payment_id
)

select
    owners.payment_id,
    owners.collector,
    case when owners.accounts = 1 then owners.account_id end as account_id,
    case when owners.accounts = 1 then owners.account_name end as account_name,
    exceptions.currency,
    exceptions.unapplied_amount,
    exceptions.reason as exception_reason,
    exceptions.payer,
    exceptions.received_on,
    greatest(exceptions.age_days, 0) as days_unmatched,
    {{ worklist_points(worklist_weight('unmatched_payment')) }} as unmatched_payment_points,
    {{ worklist_points(worklist_weight('per_day_unmatched') ~ ' * least(greatest(exceptions.age_days, 0), '
        ~ policy_int('worklist', 'weights', 'days_unmatched_cap') ~ ')') }} as days_unmatched_points,
    {{ as_of_date() }} as as_of_date
from owners
inner join {{ ref('reconciliation_exceptions') }} as exceptions using (payment_id)
where owners.collectors = 1
