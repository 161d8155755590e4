-- One ordered timeline per account: invoices issued and falling due, stage changes the runs
-- saw (snapshot), payments placed on its invoices, the directors' portal answers and the
-- legacy tracker's notes. Invoices only the tracker knows have no account id: their account
-- is the account name. Collector notes, promises, disputes, plans and outreach join later.

with invoices as (
    select
        invoice_key,
        coalesce(account_id, account_name) as account_id,
        account_name,
        invoice_number,
        invoice_date,
        due_date,
        amount,
        currency,
        financial_source
    from {{ ref('ar_ledger') }}
),

stage_versions as (
    select
        invoice_key,
        stage,
        status,
        balance,
        last_update_source,
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

events as (
    select
        invoice_key,
        cast(invoice_date as timestamp) as occurred_at,
        'invoice_issued' as kind,
        cast(null as varchar) as payment_id,
        amount,
        financial_source as actor,
        'Invoice ' || invoice_number || ' issued' as detail
    from invoices
    where invoice_date is not null

    union all

    select
        invoice_key,
        cast(due_date as timestamp) as occurred_at,
        'invoice_due' as kind,
        null as payment_id,
        amount,
        financial_source as actor,
        'Invoice ' || invoice_number || ' due' as detail
    from invoices
    where due_date is not null

    union all

    select
        invoice_key,
        dbt_valid_from as occurred_at,
        'stage_changed' as kind,
        null as payment_id,
        balance as amount,
        last_update_source as actor,
        coalesce(previous_stage, '(none)') || ' -> ' || coalesce(stage, '(none)') || ' (' || status || ')'
            as detail
    from stage_versions
    where version_number = 1 or stage is distinct from previous_stage

    union all

    select
        applications.invoice_key,
        cast(payments.received_on as timestamp) as occurred_at,
        'payment_applied' as kind,
        applications.payment_id,
        applications.applied_amount as amount,
        coalesce(applications.decided_by, 'matching') as actor,
        'Payment from ' || coalesce(payments.payer, '(no payer)') || ' applied by rule ' || applications.rule
            as detail
    from {{ ref('payment_applications') }} as applications
    inner join {{ ref('payments') }} as payments using (payment_id)

    union all

    select
        invoice_key,
        submitted_at as occurred_at,
        'director_answer' as kind,
        null as payment_id,
        promised_amount as amount,
        director_email as actor,
        status
        || coalesce('; expects payment on ' || cast(expected_payment_on as varchar), '')
        || coalesce('; dispute: ' || dispute_reason, '')
        || coalesce('; blocker: ' || blocker, '')
        || coalesce('; note: ' || note, '') as detail
    from {{ ref('stg_portal__director_updates') }}

    union all

    select
        invoice_key,
        updated_at as occurred_at,
        'tracker_note' as kind,
        null as payment_id,
        null as amount,
        updated_by as actor,
        notes as detail
    from tracker_notes
)

select
    invoices.account_id,
    invoices.account_name,
    row_number() over (
        partition by invoices.account_id
        order by
            events.occurred_at nulls last, events.invoice_key, events.kind,
            events.payment_id nulls first, events.detail
    ) as sequence_number,
    events.occurred_at,
    events.kind,
    events.invoice_key,
    events.payment_id,
    cast(events.amount as decimal(18, 2)) as amount,
    invoices.currency,
    events.actor,
    events.detail
from events
inner join invoices using (invoice_key)
