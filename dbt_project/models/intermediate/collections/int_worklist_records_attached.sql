-- The collectors' own records as worklist signals, one row per open invoice they concern: the
-- newest promise to pay covering the invoice (its own, or the account's in its currency: broken,
-- due within `promise_due_within_days`, or pending), the open dispute with the nearest deadline,
-- the account's current payment plan in the invoice's currency (behind, or on track with its
-- next installment), and the newest entry of any kind on the account (a contact).

with open_invoices as (
    select
        invoice_key,
        coalesce(account_id, account_name) as account_id,
        currency
    from {{ ref('ar_ledger') }}
    where status = 'open'
),

entries as (
    select *
    from {{ ref('stg_portal__collector_entries') }}
    where submitted_on <= {{ as_of_date() }}
),

promise_per_invoice as (
    -- What the client last promised about the invoice: the newest promise naming it, or naming
    -- the whole account (in the invoice's currency, or in none); a kept one ends the signal.
    select distinct on (open_invoices.invoice_key)
        open_invoices.invoice_key,
        promises.promise_id,
        promises.promised_amount,
        promises.promised_date,
        promises.paid_amount,
        promises.currency,
        promises.status
    from {{ ref('promises_to_pay') }} as promises
    inner join open_invoices
        on
            promises.account_id = open_invoices.account_id
            and (promises.invoice_keys is null or {{ ll_list_contains('promises.invoice_keys', 'open_invoices.invoice_key') }})
            and (promises.currency is null or promises.currency is not distinct from open_invoices.currency)
    where promises.status in ('pending', 'kept', 'broken')
    order by open_invoices.invoice_key, cast(promises.promise_id as bigint) desc
),

dispute_per_invoice as (
    select distinct on (invoice_key)
        invoice_key,
        dispute_id,
        reason as dispute_reason,
        deadline_on as dispute_deadline_on,
        is_overdue as is_dispute_overdue,
        coalesce(
            not is_overdue
            and deadline_on - as_of <= {{ policy_int('worklist', 'dispute_deadline_within_days') }},
            false
        ) as is_dispute_deadline_near
    from {{ ref('disputes') }}
    where status = 'open'
    order by invoice_key, deadline_on nulls last, cast(dispute_id as bigint)
),

current_plans as (
    -- Each account's current plan per currency that is behind or on track, with its next
    -- installment: the first one that what was paid does not cover yet.
    select distinct on (plan_id)
        plan_id,
        account_id,
        currency,
        status,
        due_to_date,
        paid_to_date,
        due_on as next_installment_on,
        cast(least(amount, cumulative_due - paid_to_date) as decimal(18, 2)) as next_installment_amount
    from {{ ref('payment_plans') }}
    where is_current_plan and status in ('behind', 'on_track') and cumulative_due > paid_to_date
    order by plan_id, installment_number
),

plan_per_invoice as (
    select
        open_invoices.invoice_key,
        current_plans.*
    from current_plans
    inner join open_invoices
        on current_plans.account_id = open_invoices.account_id and current_plans.currency = open_invoices.currency
),

account_touches as (
    select
        account_id,
        max(submitted_at) as last_entry_at
    from entries
    group by account_id
)

select
    open_invoices.invoice_key,
    account_touches.last_entry_at,
    promise_per_invoice.promise_id,
    promise_per_invoice.promised_amount as promise_to_pay_amount,
    promise_per_invoice.promised_date as promise_to_pay_date,
    promise_per_invoice.paid_amount as promise_to_pay_paid,
    promise_per_invoice.currency as promise_to_pay_currency,
    coalesce(promise_per_invoice.status = 'broken', false) as is_promise_to_pay_broken,
    coalesce(
        promise_per_invoice.status = 'pending'
        and promise_per_invoice.promised_date - {{ as_of_date() }}
        <= {{ policy_int('worklist', 'promise_due_within_days') }},
        false
    ) as is_promise_to_pay_due,
    coalesce(
        promise_per_invoice.status = 'pending'
        and promise_per_invoice.promised_date - {{ as_of_date() }}
        > {{ policy_int('worklist', 'promise_due_within_days') }},
        false
    ) as is_promise_to_pay_pending,
    dispute_per_invoice.dispute_id,
    dispute_per_invoice.dispute_reason,
    dispute_per_invoice.dispute_deadline_on,
    dispute_per_invoice.dispute_id is not null as is_dispute_open,
    coalesce(dispute_per_invoice.is_dispute_overdue, false) as is_dispute_overdue,
    coalesce(dispute_per_invoice.is_dispute_deadline_near, false) as is_dispute_deadline_near,
    plan_per_invoice.plan_id,
    plan_per_invoice.due_to_date as plan_due_to_date,
    plan_per_invoice.paid_to_date as plan_paid_to_date,
    plan_per_invoice.next_installment_on as plan_next_installment_on,
    plan_per_invoice.next_installment_amount as plan_next_installment_amount,
    coalesce(plan_per_invoice.status = 'behind', false) as is_plan_behind,
    coalesce(plan_per_invoice.status = 'on_track', false) as is_plan_on_track
from open_invoices
left join account_touches using (account_id)
left join promise_per_invoice using (invoice_key)
left join dispute_per_invoice using (invoice_key)
left join plan_per_invoice using (invoice_key)
where
    account_touches.account_id is not null
    or promise_per_invoice.invoice_key is not null
    or dispute_per_invoice.invoice_key is not null
    or plan_per_invoice.invoice_key is not null
