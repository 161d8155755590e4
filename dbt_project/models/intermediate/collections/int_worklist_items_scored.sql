-- Every open invoice with the signals a collector's priority rests on and the points each
-- driver adds (policy `worklist.weights`). "Promise" and "dispute" without more are the
-- director's newest portal answer (a status whose stage is Promised or Disputed); the
-- collectors' own records (promises to pay, disputes, payment plans) are separate drivers
-- (int_worklist_records_attached). The last touch is the last contact with the client: a
-- collector's entry, a director's answer, a tracker update or a message sent; a system's record
-- update or a payment is not a contact.

with open_invoices as (
    select *
    from {{ ref('ar_ledger') }}
    where status = 'open'
),

messages_sent as (
    -- The newest message sent to each account (email, SMS or letter; drafts are not contact).
    select
        account_id,
        max(occurred_at) as last_sent_at
    from {{ source('outbox', 'events') }} as events
    where kind = 'sent' and cast(occurred_at as date) <= {{ as_of_date() }}
    group by account_id
),

newest_answers as (
    select distinct on (invoice_key)
        invoice_key,
        status as director_answer,
        {{ worklist_answer_stage('status') }} as director_answer_stage,
        submitted_at as director_answer_at,
        expected_payment_on as promised_on,
        promised_amount
    from {{ ref('stg_portal__director_updates') }}
    order by invoice_key, submitted_at desc nulls last, update_id desc nulls last
),

applied_payments as (
    select
        applications.invoice_key,
        applications.applied_amount,
        payments.received_on
    from {{ ref('payment_applications') }} as applications
    inner join {{ ref('payments') }} as payments using (payment_id)
),

payment_signals as (
    -- The newest payment placed on each open invoice, and what came since the director's answer.
    select
        applied_payments.invoice_key,
        max(applied_payments.received_on) as last_payment_on,
        cast(coalesce(sum(
            case
                when applied_payments.received_on >= cast(newest_answers.director_answer_at as date)
                    then applied_payments.applied_amount
            end
        ), 0) as decimal(18, 2)) as paid_since_answer
    from applied_payments
    inner join open_invoices using (invoice_key)
    left join newest_answers using (invoice_key)
    group by applied_payments.invoice_key
),

signals as (
    select
        open_invoices.invoice_key,
        open_invoices.invoice_number,
        open_invoices.display_number,
        open_invoices.office,
        coalesce(open_invoices.account_id, open_invoices.account_name) as account_id,
        open_invoices.account_name,
        {{ worklist_collector('open_invoices.collector') }} as collector,
        open_invoices.currency,
        open_invoices.balance,
        open_invoices.due_date,
        greatest(coalesce(open_invoices.days_past_due, 0), 0) as days_past_due,
        open_invoices.aging_bucket,
        open_invoices.stage,
        newest_answers.director_answer,
        newest_answers.director_answer_at,
        newest_answers.promised_on,
        newest_answers.promised_amount,
        cast(coalesce(payment_signals.paid_since_answer, 0) as decimal(18, 2)) as paid_since_answer,
        payment_signals.last_payment_on,
        greatest(
            case when open_invoices.last_update_source in ('tracker', 'portal') then open_invoices.last_update_at end,
            newest_answers.director_answer_at,
            records.last_entry_at,
            messages_sent.last_sent_at
        ) as invoice_touched_at,
        records.promise_id,
        records.promise_to_pay_amount,
        records.promise_to_pay_date,
        records.promise_to_pay_paid,
        coalesce(records.is_promise_to_pay_broken, false) as is_promise_to_pay_broken,
        coalesce(records.is_promise_to_pay_due, false) as is_promise_to_pay_due,
        coalesce(records.is_promise_to_pay_pending, false) as is_promise_to_pay_pending,
        records.dispute_id,
        records.dispute_reason,
        records.dispute_deadline_on,
        coalesce(records.is_dispute_open, false) as is_dispute_open,
        coalesce(records.is_dispute_overdue, false) as is_dispute_overdue,
        coalesce(records.is_dispute_deadline_near, false) as is_dispute_deadline_near,
        records.plan_id,
        records.plan_due_to_date,
        records.plan_paid_to_date,
        records.plan_next_installment_on,
        records.plan_next_installment_amount,
        coalesce(records.is_plan_behind, false) as is_plan_behind,
        coalesce(records.is_plan_on_track, false) as is_plan_on_track,
        coalesce(
            newest_answers.director_answer_stage = 'Promised'
            and newest_answers.promised_on < open_invoices.as_of_date
            and (
                newest_answers.promised_amount is null
                or coalesce(payment_signals.paid_since_answer, 0) < newest_answers.promised_amount
            ),
            false
        ) as is_promise_broken,
        coalesce(
            newest_answers.director_answer_stage = 'Promised'
            and newest_answers.promised_on >= open_invoices.as_of_date
            and newest_answers.promised_on - open_invoices.as_of_date
            <= {{ policy_int('worklist', 'promise_due_within_days') }},
            false
        ) as is_promise_due,
        coalesce(newest_answers.director_answer_stage = 'Disputed', false) as is_director_dispute,
        cume_dist() over (
            partition by open_invoices.currency order by open_invoices.balance
        ) as balance_rank_in_currency,
        open_invoices.invoice_date,
        open_invoices.as_of_date
    from open_invoices
    left join newest_answers using (invoice_key)
    left join payment_signals using (invoice_key)
    left join {{ ref('int_worklist_records_attached') }} as records using (invoice_key)
    left join messages_sent
        on messages_sent.account_id = coalesce(open_invoices.account_id, open_invoices.account_name)
),

-- The account's payment risk (marts.account_risk): the chance its next invoice is paid late,
-- said with the payment history behind it (never a feature code or log-odds).
risk_history as (
    select
        account_id,
        risk_score,
        risk_band,
        {{ risk_history_driver('drivers') }} as history_driver
    from {{ ref('account_risk') }}
),

risk as (
    select
        account_id,
        risk_score,
        {{ risk_context('risk_score', 'risk_band', 'history_driver') }} as risk_context
    from risk_history
),

-- The dunning sequence's call steps (written by the dunning asset of the runs before) that are
-- due, on accounts nobody has logged a call for since the task was made. An invoice whose
-- dunning a promise, a plan on track or a dispute holds has no call due.
dunning_calls as (
    select
        {{ split_csv('tasks.invoice_keys') }} as invoice_key,
        tasks.task
    from {{ source('dunning', 'call_tasks') }} as tasks
    where
        tasks.kind = 'dunning_call'
        and tasks.due_on <= {{ as_of_date() }}
        and not exists (
            select 1
            from {{ ref('stg_portal__collector_entries') }} as calls
            where
                calls.kind = 'call'
                and calls.account_id = tasks.account_id
                and calls.submitted_on >= tasks.created_on
        )
),

dunning_call_due as (
    select
        invoice_key,
        min(task) as dunning_call_task
    from dunning_calls
    group by invoice_key
),

account_contacts as (
    -- Contact is with the client, not with one invoice: the account's newest contact counts for
    -- every invoice of it; with none ever, the days count from its oldest open invoice.
    select
        *,
        max(invoice_touched_at) over (partition by coalesce(account_id, invoice_key)) as last_touch_at,
        min(coalesce(invoice_date, due_date)) over (partition by coalesce(account_id, invoice_key)) as first_open_on
    from signals
),

touched as (
    select
        account_contacts.*,
        greatest(
            account_contacts.as_of_date - coalesce(
                cast(account_contacts.last_touch_at as date), account_contacts.first_open_on, account_contacts.as_of_date
            ),
            0
        ) as days_since_touch,
        risk.risk_score,
        risk.risk_context,
        dunning_call_due.dunning_call_task,
        dunning_call_due.invoice_key is not null
        and not (
            account_contacts.is_promise_to_pay_pending or account_contacts.is_promise_to_pay_due
            or account_contacts.is_plan_on_track or account_contacts.is_dispute_open
        ) as is_dunning_call_due
    from account_contacts
    left join risk using (account_id)
    left join dunning_call_due using (invoice_key)
)

select
    invoice_key,
    invoice_number,
    display_number,
    office,
    account_id,
    account_name,
    collector,
    currency,
    balance,
    due_date,
    days_past_due,
    aging_bucket,
    stage,
    director_answer,
    director_answer_at,
    promised_on,
    promised_amount,
    paid_since_answer,
    last_touch_at,
    days_since_touch,
    is_promise_broken,
    is_promise_due,
    is_director_dispute,
    promise_id,
    promise_to_pay_amount,
    promise_to_pay_date,
    promise_to_pay_paid,
    is_promise_to_pay_broken,
    is_promise_to_pay_due,
    is_promise_to_pay_pending,
    dispute_id,
    dispute_reason,
    dispute_deadline_on,
    is_dispute_open,
    is_dispute_overdue,
    is_dispute_deadline_near,
    plan_id,
    plan_due_to_date,
    plan_paid_to_date,
    plan_next_installment_on,
    plan_next_installment_amount,
    is_plan_behind,
    is_plan_on_track,
    last_payment_on,
    invoice_date,
    risk_score,
    risk_context,
    is_dunning_call_due,
    dunning_call_task,
    cast(balance_rank_in_currency as decimal(5, 4)) as balance_rank_in_currency,
    {{ worklist_points(worklist_weight('balance') ~ ' * balance_rank_in_currency', is_double=true) }} as balance_points,
    {{ worklist_points(worklist_weight('per_day_past_due') ~ ' * least(days_past_due, '
        ~ policy_int('worklist', 'weights', 'days_past_due_cap') ~ ')') }} as days_past_due_points,
    {{ worklist_bucket_points('aging_bucket') }} as aging_bucket_points,
    {{ worklist_points(worklist_weight('per_day_untouched') ~ ' * least(days_since_touch, '
        ~ policy_int('worklist', 'weights', 'days_untouched_cap') ~ ')') }} as days_since_touch_points,
    {{ worklist_points('case when is_promise_broken then ' ~ worklist_weight('broken_promise') ~ ' else 0 end') }}
        as broken_promise_points,
    {{ worklist_points('case when is_promise_due then ' ~ worklist_weight('promise_due') ~ ' else 0 end') }}
        as promise_due_points,
    {{ worklist_points('case when is_director_dispute then ' ~ worklist_weight('director_dispute') ~ ' else 0 end') }}
        as director_dispute_points,
    {{ worklist_points('case when is_promise_to_pay_broken then ' ~ worklist_weight('promise_to_pay_broken') ~ ' else 0 end') }}
        as promise_to_pay_broken_points,
    {{ worklist_points('case when is_promise_to_pay_due then ' ~ worklist_weight('promise_to_pay_due') ~ ' else 0 end') }}
        as promise_to_pay_due_points,
    {{ worklist_points('case when is_dispute_overdue then ' ~ worklist_weight('dispute_overdue') ~ ' else 0 end') }}
        as dispute_overdue_points,
    {{ worklist_points('case when is_dispute_deadline_near then ' ~ worklist_weight('dispute_deadline_near') ~ ' else 0 end') }}
        as dispute_deadline_near_points,
    {{ worklist_points('case when is_plan_behind then ' ~ worklist_weight('plan_behind') ~ ' else 0 end') }}
        as plan_behind_points,
    {{ worklist_points(worklist_weight('payment_risk') ~ ' * coalesce(risk_score, 0)', is_double=true) }}
        as payment_risk_points,
    {{ worklist_points('case when is_dunning_call_due then ' ~ worklist_weight('dunning_call') ~ ' else 0 end') }}
        as dunning_call_points,
    as_of_date
from touched
