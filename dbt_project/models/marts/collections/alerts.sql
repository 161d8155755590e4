-- Alerts (contract C3), each raised once ever: the table keeps every alert raised so far and a
-- run appends only alert keys it does not hold. Crossings compare the as-of date with the
-- previous as-of date this model ran for (the newest `as_of` in the table before this one; on
-- the first run the day before, so an old backlog is not raised all at once): an open invoice
-- crosses 30 (60) when its days past due reached 30 (60) since then; when one step crosses
-- both, only crossed_60 is raised. A payment is unmatched when it has waited in the exception
-- queue for more than one business day (crossed since the previous as-of date as well; for a
-- remainder the message names the amount still unapplied), a check
-- failed when `raw.check_failures` has it since then. Broken promises, overdue disputes and
-- plans behind are raised as they are found. The owner is the collector of the record or
-- invoice; check failures and items without one collector go to each manager without an office
-- (policy `team`), the alert key then naming the manager.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
) }}

with previous_run as (
    select previous_as_of from {{ ref('int_alerts_previous_run') }}
),

roster as (
    select * from {{ team_roster() }} as members
),

numbers as (
    -- Invoices are named as the office writes them (ar_ledger.display_number).
    select
        invoice_key,
        display_number
    from {{ ref('ar_ledger') }}
),

ledger as (
    select
        invoice_key,
        display_number,
        coalesce(account_id, account_name) as account_id,
        account_name,
        {{ worklist_collector('collector') }} as collector,
        currency,
        balance,
        due_date,
        days_past_due
    from {{ ref('ar_ledger') }}
    where status = 'open'
),

thresholds as (
    select 30 as threshold
    union all
    select 60 as threshold
),

crossings as (
    -- One crossing per invoice: the highest threshold crossed.
    select distinct on (ledger.invoice_key)
        'crossed_' || thresholds.threshold as kind,
        ledger.invoice_key as subject,
        ledger.account_id,
        ledger.invoice_key,
        ledger.collector,
        'Invoice ' || ledger.display_number || ' of ' || coalesce(ledger.account_name, ledger.account_id, '?')
        || ' is ' || ledger.days_past_due || ' days past due (crossed ' || thresholds.threshold || '): '
        || coalesce(ledger.currency || ' ', '') || cast(ledger.balance as varchar) || ' open' as message
    from ledger
    cross join thresholds
    cross join previous_run
    where
        ledger.days_past_due >= thresholds.threshold
        and previous_run.previous_as_of - ledger.due_date < thresholds.threshold
    order by ledger.invoice_key, thresholds.threshold desc
),

broken_promises as (
    select
        'broken_promise' as kind,
        promise_id as subject,
        account_id,
        invoice_key,
        collector,
        'Promise to pay ' || coalesce(currency || ' ', '') || cast(promised_amount as varchar) || ' by '
        || cast(promised_date as varchar) || ' (account ' || account_id
        || coalesce(', invoice ' || numbers.display_number, '')
        || case
            when cardinality(promises.invoice_keys) > 1
                then ', invoices ' || promise_numbers.display_numbers
            else ''
        end
        || ') is broken: ' || cast(paid_amount as varchar) || ' paid' as message
    from {{ ref('promises_to_pay') }} as promises
    left join numbers using (invoice_key)
    left join {{ display_numbers_of(ref('promises_to_pay'), 'promise_id', 'invoice_keys', 'numbers') }} as promise_numbers
        using (promise_id)
    where is_broken
),

overdue_disputes as (
    select
        'dispute_overdue' as kind,
        dispute_id as subject,
        account_id,
        invoice_key,
        collector,
        'Dispute on invoice ' || coalesce(numbers.display_number, invoice_key) || ' passed its deadline '
        || cast(deadline_on as varchar) || ' unresolved: ' || coalesce(reason, '') as message
    from {{ ref('disputes') }}
    left join numbers using (invoice_key)
    where is_overdue
),

plans_behind as (
    -- Keyed by the first installment not covered: a plan that catches up and falls behind on a
    -- later installment alerts again.
    select
        'plan_behind' as kind,
        plan_id || ':' || min(installment_number) as subject,
        min(account_id) as account_id,
        null as invoice_key,
        min(collector) as collector,
        'Payment plan ' || plan_id || ' (account ' || min(account_id) || ') is behind: '
        || coalesce(min(currency) || ' ', '') || cast(min(due_to_date) as varchar) || ' due, '
        || cast(min(paid_to_date) as varchar) || ' paid; installment ' || min(installment_number)
        || ' was due ' || cast(min(due_on) as varchar) as message
    from {{ ref('payment_plans') }}
    where is_current_plan and status = 'behind' and is_installment_due and not is_installment_paid
    group by plan_id
),

unmatched_payments as (
    select
        'payment_unmatched' as kind,
        exceptions.payment_id as subject,
        owned.account_id,
        null as invoice_key,
        owned.collector,
        'Payment ' || exceptions.payment_id || ' of ' || coalesce(exceptions.currency || ' ', '')
        || cast(exceptions.amount as varchar) || ' from ' || coalesce(exceptions.payer, '(no payer)')
        || case
            when exceptions.applied_amount > 0
                then ': ' || coalesce(exceptions.currency || ' ', '') || cast(exceptions.unapplied_amount as varchar)
                || ' unapplied'
            else ' unmatched'
        end
        || ' for ' || {{ ll_business_days_between('cast(exceptions.first_seen_at as date)', as_of_date()) }}
        || ' business days: ' || exceptions.reason as message
    from {{ ref('reconciliation_exceptions') }} as exceptions
    cross join previous_run
    left join {{ ref('int_worklist_payments_scored') }} as owned using (payment_id)
    where
        {{ ll_business_days_between('cast(exceptions.first_seen_at as date)', as_of_date()) }} > 1
        and {{ ll_business_days_between('cast(exceptions.first_seen_at as date)', 'previous_run.previous_as_of') }} <= 1
),

failed_checks as (
    select distinct
        'check_failed' as kind,
        failures.check_name || '@' || coalesce(failures.asset_key, '') || ':' || coalesce(failures.run_id, '')
            as subject,
        null as account_id,
        null as invoice_key,
        null as collector,
        'Check ' || failures.check_name || coalesce(' on ' || failures.asset_key, '') || ' failed ('
        || coalesce(failures.severity, 'ERROR') || ') at ' || cast(failures.failed_at as varchar) || ' UTC'
        || coalesce(': ' || failures.description, '') as message
    from {{ ref('int_check_failures_listed') }} as failures
    cross join previous_run
    where
        cast(failures.failed_at as date) > previous_run.previous_as_of
        and cast(failures.failed_at as date) <= {{ as_of_date() }}
),

found as (
    select * from crossings
    union all
    select * from broken_promises
    union all
    select * from overdue_disputes
    union all
    select * from plans_behind
    union all
    select * from unmatched_payments
    union all
    select * from failed_checks
),

collector_owned as (
    select
        found.kind || ':' || found.subject as alert_key,
        found.*,
        found.collector as owner,
        roster.email as owner_email
    from found
    left join roster
        on roster.role = 'collector' and lower(trim(found.collector)) = roster.member_key
    where coalesce(found.collector, 'unassigned') <> 'unassigned'
),

managers as (
    select email
    from roster
    where role = 'manager' and office is null
),

manager_owned as (
    -- Each manager without an office; `unassigned` when the roster has none.
    select
        found.kind || ':' || found.subject || coalesce(':' || managers.email, '') as alert_key,
        found.*,
        coalesce(managers.email, 'unassigned') as owner,
        managers.email as owner_email
    from found
    left join managers on true
    where coalesce(found.collector, 'unassigned') = 'unassigned'
),

raised as (
    select * from collector_owned
    union all
    select * from manager_owned
)

select
    alert_key,
    kind,
    subject,
    account_id,
    invoice_key,
    owner,
    owner_email,
    {{ as_of_date() }} as raised_on,
    message,
    {{ as_of_date() }} as as_of
from raised
{% if is_incremental() -%}
    where alert_key not in (select existing.alert_key from {{ this }} as existing)
{%- endif %}
