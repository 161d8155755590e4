-- The collectors' own records as worklist signals, one row per open invoice they concern: the
-- newest promise to pay (broken, or due within `promise_due_within_days`), the open dispute
-- with the nearest deadline, a payment plan that is behind, and the newest entry of any kind on
-- the account (a touch). A promise or plan for a whole account is carried by the account's
-- longest-overdue open invoice (in the record's currency), so the account is listed once.

with open_invoices as (
    select
        invoice_key,
        coalesce(account_id, account_name) as account_id,
        currency,
        due_date
    from {{ ref('ar_ledger') }}
    where status = 'open'
),

entries as (
    select *
    from {{ ref('stg_portal__collector_entries') }}
    where submitted_on <= {{ as_of_date() }}
),

record_accounts as (
    select distinct account_id from entries
),

anchors as (
    -- Per account and currency (and per account, any currency: currency null), the open invoice
    -- that carries account-wide records.
    select
        account_id,
        currency,
        invoice_key
    from (
        select
            account_id,
            currency,
            invoice_key,
            due_date
        from open_invoices
        where account_id in (select record_accounts.account_id from record_accounts)
        union all
        select
            account_id,
            null as currency,
            invoice_key,
            due_date
        from open_invoices
        where account_id in (select record_accounts.account_id from record_accounts)
    ) as candidates
    qualify row_number() over (
        partition by account_id, currency order by due_date nulls last, invoice_key
    ) = 1
),

newest_promises as (
    -- The newest promise per account and invoice: an older broken one was followed up.
    select *
    from {{ ref('promises_to_pay') }}
    qualify row_number() over (
        partition by account_id, invoice_key order by cast(promise_id as bigint) desc
    ) = 1
),

promise_signals as (
    select
        coalesce(newest_promises.invoice_key, anchors.invoice_key) as invoice_key,
        newest_promises.promise_id,
        newest_promises.promised_amount,
        newest_promises.promised_date,
        newest_promises.paid_amount,
        newest_promises.currency,
        newest_promises.status = 'broken' as is_promise_to_pay_broken,
        coalesce(
            newest_promises.status = 'pending'
            and newest_promises.promised_date - newest_promises.as_of
            <= {{ worklist_policy()['promise_due_within_days'] | int }},
            false
        ) as is_promise_to_pay_due
    from newest_promises
    left join anchors
        on
            newest_promises.invoice_key is null
            and newest_promises.account_id = anchors.account_id
            and newest_promises.currency is not distinct from anchors.currency
    where newest_promises.status in ('broken', 'pending')
),

promise_per_invoice as (
    select *
    from promise_signals
    where
        invoice_key is not null
        and (is_promise_to_pay_broken or is_promise_to_pay_due)
    qualify row_number() over (
        partition by invoice_key
        order by is_promise_to_pay_broken desc, promised_date asc, cast(promise_id as bigint) desc
    ) = 1
),

dispute_per_invoice as (
    select
        invoice_key,
        dispute_id,
        reason as dispute_reason,
        deadline_on as dispute_deadline_on,
        is_overdue as is_dispute_overdue,
        coalesce(
            not is_overdue
            and deadline_on - as_of <= {{ worklist_policy()['dispute_deadline_within_days'] | int }},
            false
        ) as is_dispute_deadline_near
    from {{ ref('disputes') }}
    where status = 'open'
    qualify row_number() over (
        partition by invoice_key order by deadline_on nulls last, cast(dispute_id as bigint)
    ) = 1
),

plan_per_invoice as (
    select
        anchors.invoice_key,
        plans.plan_id,
        plans.due_to_date as plan_due_to_date,
        plans.paid_to_date as plan_paid_to_date
    from (
        select distinct
            plan_id,
            account_id,
            currency,
            due_to_date,
            paid_to_date
        from {{ ref('payment_plans') }}
        where is_current_plan and status = 'behind'
    ) as plans
    inner join anchors
        on plans.account_id = anchors.account_id and plans.currency = anchors.currency
    qualify row_number() over (partition by anchors.invoice_key order by cast(plans.plan_id as bigint) desc) = 1
),

account_touches as (
    select
        account_id,
        max(submitted_at) as last_entry_at
    from entries
    group by account_id
),

touch_per_invoice as (
    select
        open_invoices.invoice_key,
        account_touches.last_entry_at
    from open_invoices
    inner join account_touches using (account_id)
),

invoice_keys as (
    select invoice_key from touch_per_invoice
    union
    select invoice_key from promise_per_invoice
    union
    select invoice_key from dispute_per_invoice
    union
    select invoice_key from plan_per_invoice
)

select
    invoice_keys.invoice_key,
    touch_per_invoice.last_entry_at,
    promise_per_invoice.promise_id,
    promise_per_invoice.promised_amount as promise_to_pay_amount,
    promise_per_invoice.promised_date as promise_to_pay_date,
    promise_per_invoice.paid_amount as promise_to_pay_paid,
    coalesce(promise_per_invoice.is_promise_to_pay_broken, false) as is_promise_to_pay_broken,
    coalesce(promise_per_invoice.is_promise_to_pay_due, false) as is_promise_to_pay_due,
    dispute_per_invoice.dispute_id,
    dispute_per_invoice.dispute_reason,
    dispute_per_invoice.dispute_deadline_on,
    dispute_per_invoice.dispute_id is not null as is_dispute_open,
    coalesce(dispute_per_invoice.is_dispute_overdue, false) as is_dispute_overdue,
    coalesce(dispute_per_invoice.is_dispute_deadline_near, false) as is_dispute_deadline_near,
    plan_per_invoice.plan_id,
    plan_per_invoice.plan_due_to_date,
    plan_per_invoice.plan_paid_to_date,
    plan_per_invoice.plan_id is not null as is_plan_behind
from invoice_keys
inner join open_invoices using (invoice_key)
left join touch_per_invoice using (invoice_key)
left join promise_per_invoice using (invoice_key)
left join dispute_per_invoice using (invoice_key)
left join plan_per_invoice using (invoice_key)
