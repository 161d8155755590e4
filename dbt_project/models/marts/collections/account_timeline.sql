-- One ordered timeline per account of what happened up to the as-of date: invoices issued and
-- falling due, stage changes the runs saw (snapshot; the stage an invoice was first seen with is
-- not a change), payments placed on its invoices, the directors' portal answers, the legacy
-- tracker's notes, the collectors' notes and calls, promises to pay (made, kept, broken),
-- disputes (opened, resolved), payment plans (made, installments due) and outreach (drafted,
-- approved, sent, rejected: `raw.outreach_events`). `detail` says each in words, invoices by their
-- display number. Invoices only the tracker knows have no account id: their account is the
-- account name. Account-wide entries have no invoice key. Dates still to come (an invoice or an
-- installment falling due) join the timeline when they come. A stage change is dated by the
-- update that made it (else when the run saw it).

with invoices as (
    select
        invoice_key,
        coalesce(account_id, account_name) as account_id,
        account_name,
        display_number,
        invoice_date,
        due_date,
        amount,
        currency,
        case financial_source when 'salesforce' then 'Salesforce' when 'tracker' then 'legacy tracker' end
            as financial_source
    from {{ ref('ar_ledger') }}
),

stage_versions as (
    select
        invoice_key,
        stage,
        status,
        balance,
        last_update_source,
        last_update_at,
        dbt_valid_from,
        lag(stage) over (partition by invoice_key order by dbt_valid_from) as previous_stage,
        row_number() over (partition by invoice_key order by dbt_valid_from) as version_number
    from {{ ref('snap_ar_ledger__invoices') }}
),

tracker_notes as (
    -- The tracker is re-exported: a note counts once per (invoice, time, text).
    select distinct
        invoice_key,
        updated_at,
        updated_by,
        notes
    from {{ ref('stg_tracker__invoices') }}
    where notes is not null and trim(notes) <> ''
),

entries as (
    select *
    from {{ ref('stg_portal__collector_entries') }}
    where submitted_on <= {{ as_of_date() }}
),

outreach as (
    select *
    from {{ source('outbox', 'events') }} as events
    where cast(occurred_at as date) <= {{ as_of_date() }}
),

events as (
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as currency,
        invoice_key,
        cast(invoice_date as timestamp) as occurred_at,
        'invoice_issued' as kind,
        cast(null as varchar) as payment_id,
        amount,
        financial_source as actor,
        'Invoice ' || display_number || ' issued' as detail
    from invoices
    where invoice_date is not null

    union all

    select
        null as account_id,
        null as currency,
        invoice_key,
        cast(due_date as timestamp) as occurred_at,
        'invoice_due' as kind,
        null as payment_id,
        amount,
        financial_source as actor,
        'Invoice ' || display_number || ' fell due' as detail
    from invoices
    where due_date is not null

    union all

    select
        null as account_id,
        null as currency,
        invoice_key,
        coalesce(last_update_at, dbt_valid_from) as occurred_at,
        'stage_changed' as kind,
        null as payment_id,
        balance as amount,
        case last_update_source
            when 'salesforce' then 'Salesforce' when 'tracker' then 'legacy tracker' when 'portal' then 'director'
        end as actor,
        'Stage ' || coalesce(previous_stage, 'none') || ' → ' || coalesce(stage, 'none') as detail
    from stage_versions
    where version_number > 1 and stage is distinct from previous_stage

    union all

    select
        null as account_id,
        null as currency,
        applications.invoice_key,
        cast(payments.received_on as timestamp) as occurred_at,
        'payment_applied' as kind,
        applications.payment_id,
        applications.applied_amount as amount,
        coalesce(applications.decided_by, 'cash application') as actor,
        'Payment' || coalesce(' from ' || payments.payer, '') || ' placed: '
        || {{ timeline_rule_text('applications.rule') }}
        || coalesce(
            '; the ' || applications.written_off_amount || ' left open written off with the customer''s consent', ''
        ) as detail
    from {{ ref('payment_applications') }} as applications
    inner join {{ ref('payments') }} as payments using (payment_id)

    union all

    select
        null as account_id,
        null as currency,
        invoice_key,
        submitted_at as occurred_at,
        'director_answer' as kind,
        null as payment_id,
        promised_amount as amount,
        director_email as actor,
        'Director''s answer: ' || status
        || coalesce('; expects payment by ' || {{ day_text('expected_payment_on') }}, '')
        || coalesce('; dispute: ' || dispute_reason, '')
        || coalesce('; blocker: ' || blocker, '')
        || coalesce('; note: ' || note, '') as detail
    from {{ ref('stg_portal__director_updates') }}

    union all

    select
        null as account_id,
        null as currency,
        invoice_key,
        updated_at as occurred_at,
        'tracker_note' as kind,
        null as payment_id,
        null as amount,
        updated_by as actor,
        'Tracker note: ' || notes as detail
    from tracker_notes

    union all

    select
        account_id,
        null as currency,
        invoice_key,
        submitted_at as occurred_at,
        'collector_' || kind as kind,
        null as payment_id,
        null as amount,
        {{ entry_actor('entered_by', 'collector') }} as actor,
        case
            when kind = 'call'
                then 'Call: ' || {{ timeline_call_outcome('call_outcome') }} || coalesce('; ' || note, '')
            else 'Note: ' || note
        end as detail
    from entries
    where kind in ('note', 'call')

    union all

    select
        account_id,
        currency,
        invoice_key,
        submitted_at as occurred_at,
        'discrepancy_accepted' as kind,
        null as payment_id,
        accepted_amount as amount,
        {{ entry_actor('entered_by', 'collector') }} as actor,
        'Accepted the ' || {{ money_text('currency', 'accepted_amount') }}
        || ' a short payment left open' || coalesce('; note: ' || note, '') as detail
    from entries
    where kind = 'discrepancy'

    union all

    select
        account_id,
        currency,
        invoice_key,
        submitted_at as occurred_at,
        'promise_made' as kind,
        null as payment_id,
        promised_amount as amount,
        {{ entry_actor('entered_by', 'collector') }} as actor,
        'Promise to pay ' || {{ money_text('currency', 'promised_amount') }} || ' by '
        || {{ day_text('promised_date') }}
        || case
            when cardinality(promises.invoice_keys) > 1
                then ' for invoices ' || promise_numbers.display_numbers
            else ''
        end
        || coalesce('; note: ' || note, '') as detail
    from {{ ref('promises_to_pay') }} as promises
    left join {{ display_numbers_of(ref('promises_to_pay'), 'promise_id', 'invoice_keys', 'invoices') }} as promise_numbers
        using (promise_id)

    union all

    select
        account_id,
        currency,
        invoice_key,
        cast(coalesce(kept_on, broken_on) as timestamp) as occurred_at,
        'promise_' || status as kind,
        null as payment_id,
        paid_amount as amount,
        collector as actor,
        'Promise of ' || {{ money_text('currency', 'promised_amount') }} || ' by ' || {{ day_text('promised_date') }}
        || ' ' || status || ': ' || {{ money_text('currency', 'paid_amount') }} || ' paid' as detail
    from {{ ref('promises_to_pay') }}
    where status in ('kept', 'broken')

    union all

    select
        account_id,
        null as currency,
        invoice_key,
        opened_at as occurred_at,
        'dispute_opened' as kind,
        null as payment_id,
        null as amount,
        {{ entry_actor('entered_by', 'collector') }} as actor,
        'Dispute: ' || coalesce(reason, '') || '; evidence: ' || coalesce(evidence, '')
        || coalesce('; to settle by ' || {{ day_text('deadline_on') }}, '') as detail
    from {{ ref('disputes') }}

    union all

    select
        account_id,
        null as currency,
        invoice_key,
        cast(resolved_on as timestamp) as occurred_at,
        'dispute_resolved' as kind,
        null as payment_id,
        null as amount,
        resolved_by as actor,
        'Dispute resolved: ' || coalesce(resolution, '') as detail
    from {{ ref('disputes') }}
    where status = 'resolved'

    union all

    select
        account_id,
        currency,
        null as invoice_key,
        min(made_at) as occurred_at,
        'plan_made' as kind,
        null as payment_id,
        max(plan_total) as amount,
        min(collector) as actor,
        'Payment plan: ' || {{ count_text('count(*)', 'installment', 'installments') }} || ' from '
        || {{ day_text('min(due_on)') }} || ' to ' || {{ day_text('max(due_on)') }} as detail
    from {{ ref('payment_plans') }}
    group by account_id, currency, plan_id

    union all

    select
        account_id,
        currency,
        null as invoice_key,
        cast(due_on as timestamp) as occurred_at,
        'plan_installment_due' as kind,
        null as payment_id,
        amount,
        collector as actor,
        'Plan installment ' || installment_number || ' fell due ('
        || {{ money_text('currency', 'cumulative_due') }} || ' due in all by then)' as detail
    from {{ ref('payment_plans') }}
    where is_current_plan

    union all

    select
        account_id,
        null as currency,
        invoice_key,
        occurred_at,
        'outreach_' || kind as kind,
        null as payment_id,
        null as amount,
        actor,
        {{ timeline_channel('channel') }} || ' ' || kind || coalesce(': ' || subject, '') as detail
    from outreach
    where kind in ('drafted', 'approved', 'sent', 'rejected')
),

account_events as (
    -- Entries that name only the account (a note, a plan, a promise for the whole account).
    select *
    from events
    where invoice_key is null and account_id is not null
),

account_names as (
    -- An account's name (any of its invoices') for the entries that name only the account.
    select
        account_id,
        min(account_name) as account_name
    from invoices
    where account_id in (select account_events.account_id from account_events)
    group by account_id
),

placed as (
    select
        invoices.account_id,
        invoices.account_name,
        events.occurred_at,
        events.kind,
        events.invoice_key,
        events.payment_id,
        events.amount,
        coalesce(invoices.currency, events.currency) as currency,
        events.actor,
        case
            when events.kind in ('invoice_issued', 'invoice_due') then events.detail
            else invoices.display_number || ' · ' || events.detail
        end as detail
    from events
    inner join invoices using (invoice_key)

    union all

    select
        account_events.account_id,
        account_names.account_name,
        account_events.occurred_at,
        account_events.kind,
        account_events.invoice_key,
        account_events.payment_id,
        account_events.amount,
        account_events.currency,
        account_events.actor,
        account_events.detail
    from account_events
    left join account_names using (account_id)
)

select
    account_id,
    account_name,
    row_number() over (
        partition by account_id
        order by occurred_at nulls first, invoice_key nulls first, kind, payment_id nulls first, detail
    ) as sequence_number,
    occurred_at,
    kind,
    invoice_key,
    payment_id,
    cast(amount as decimal(18, 2)) as amount,
    currency,
    actor,
    detail
from placed
where kind not in ('invoice_due', 'plan_installment_due') or cast(occurred_at as date) <= {{ as_of_date() }}
