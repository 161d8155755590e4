-- The items under each collector's accounts (marts.collector_worklist ranks the accounts):
-- every open invoice, and every queued payment only they can place, with its own priority
-- score, the drivers that make it up (JSON list of {driver, value, points} summing to the
-- score), every reason that holds with the date its action is due by (`reasons`, in the
-- policy's order; the first is `reason`), the next action (policy `worklist.next_actions`) and
-- the facts behind them: a promise to pay (broken, due or pending), a dispute, a payment plan
-- (behind or on track), a director's answer, a dunning call. Ties rank the longer overdue
-- first, then by item key, so ranks never change between runs.

with invoice_items as (
    select
        invoice_key as item_key,
        invoice_key,
        cast(null as varchar) as payment_id,
        collector,
        invoice_number,
        display_number,
        office,
        account_id,
        account_name,
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
        balance_rank_in_currency,
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
        payment_risk_points,
        is_dunning_call_due,
        dunning_call_task,
        dunning_call_points,
        promise_to_pay_broken_points,
        promise_to_pay_due_points,
        dispute_overdue_points,
        dispute_deadline_near_points,
        plan_behind_points,
        cast(null as varchar) as exception_reason,
        cast(null as varchar) as payer,
        cast(null as integer) as days_unmatched,
        balance_points,
        days_past_due_points,
        aging_bucket_points,
        days_since_touch_points,
        broken_promise_points,
        promise_due_points,
        director_dispute_points,
        cast(0 as decimal(18, 2)) as unmatched_payment_points,
        cast(0 as decimal(18, 2)) as days_unmatched_points,
        as_of_date
    from {{ ref('int_worklist_items_scored') }}
),

payment_items as (
    select
        'payment:' || payment_id as item_key,
        cast(null as varchar) as invoice_key,
        payment_id,
        collector,
        cast(null as varchar) as invoice_number,
        cast(null as varchar) as display_number,
        cast(null as varchar) as office,
        account_id,
        account_name,
        currency,
        unapplied_amount as balance,
        cast(null as date) as due_date,
        cast(null as integer) as days_past_due,
        cast(null as varchar) as aging_bucket,
        cast(null as varchar) as stage,
        cast(null as varchar) as director_answer,
        cast(null as timestamp) as director_answer_at,
        cast(null as date) as promised_on,
        cast(null as decimal(18, 2)) as promised_amount,
        cast(null as decimal(18, 2)) as paid_since_answer,
        cast(received_on as timestamp) as last_touch_at,
        days_unmatched as days_since_touch,
        false as is_promise_broken,
        false as is_promise_due,
        false as is_director_dispute,
        cast(null as decimal(5, 4)) as balance_rank_in_currency,
        cast(null as varchar) as promise_id,
        cast(null as decimal(18, 2)) as promise_to_pay_amount,
        cast(null as date) as promise_to_pay_date,
        cast(null as decimal(18, 2)) as promise_to_pay_paid,
        false as is_promise_to_pay_broken,
        false as is_promise_to_pay_due,
        false as is_promise_to_pay_pending,
        cast(null as varchar) as dispute_id,
        cast(null as varchar) as dispute_reason,
        cast(null as date) as dispute_deadline_on,
        false as is_dispute_open,
        false as is_dispute_overdue,
        false as is_dispute_deadline_near,
        cast(null as varchar) as plan_id,
        cast(null as decimal(18, 2)) as plan_due_to_date,
        cast(null as decimal(18, 2)) as plan_paid_to_date,
        cast(null as date) as plan_next_installment_on,
        cast(null as decimal(18, 2)) as plan_next_installment_amount,
        false as is_plan_behind,
        false as is_plan_on_track,
        cast(null as date) as last_payment_on,
        cast(null as date) as invoice_date,
        cast(null as double precision) as risk_score,
        cast(null as varchar) as risk_context,
        cast(0 as decimal(18, 2)) as payment_risk_points,
        false as is_dunning_call_due,
        cast(null as varchar) as dunning_call_task,
        cast(0 as decimal(18, 2)) as dunning_call_points,
        cast(0 as decimal(18, 2)) as promise_to_pay_broken_points,
        cast(0 as decimal(18, 2)) as promise_to_pay_due_points,
        cast(0 as decimal(18, 2)) as dispute_overdue_points,
        cast(0 as decimal(18, 2)) as dispute_deadline_near_points,
        cast(0 as decimal(18, 2)) as plan_behind_points,
        exception_reason,
        payer,
        days_unmatched,
        cast(0 as decimal(18, 2)) as balance_points,
        cast(0 as decimal(18, 2)) as days_past_due_points,
        cast(0 as decimal(18, 2)) as aging_bucket_points,
        cast(0 as decimal(18, 2)) as days_since_touch_points,
        cast(0 as decimal(18, 2)) as broken_promise_points,
        cast(0 as decimal(18, 2)) as promise_due_points,
        cast(0 as decimal(18, 2)) as director_dispute_points,
        unmatched_payment_points,
        days_unmatched_points,
        as_of_date
    from {{ ref('int_worklist_payments_scored') }}
),

scored as (
    select
        *,
        balance_points + days_past_due_points + aging_bucket_points + days_since_touch_points
        + broken_promise_points + promise_due_points + director_dispute_points
        + unmatched_payment_points + days_unmatched_points
        + promise_to_pay_broken_points + promise_to_pay_due_points + dispute_overdue_points
        + dispute_deadline_near_points + plan_behind_points + payment_risk_points
        + dunning_call_points as priority_score
    from (
        select * from invoice_items
        union all
        select * from payment_items
    ) as items
),

worded as (
    -- Each record behind an item in a collector's words, with its numbers.
    select
        *,
        case
            when is_promise_to_pay_broken
                then 'promise broken: ' || {{ money_text('currency', 'promise_to_pay_amount') }} || ' by '
                || {{ day_text('promise_to_pay_date') }} || ', ' || {{ money_text('currency', 'promise_to_pay_paid') }}
                || ' paid'
            when is_promise_to_pay_due or is_promise_to_pay_pending
                then 'promised ' || {{ money_text('currency', 'promise_to_pay_amount') }} || ' by '
                || {{ day_text('promise_to_pay_date') }}
        end as promise_text,
        case
            when is_dispute_overdue then 'dispute past its deadline of ' || {{ day_text('dispute_deadline_on') }}
            when is_dispute_deadline_near then 'dispute to settle by ' || {{ day_text('dispute_deadline_on') }}
            when is_dispute_open then 'disputed, to settle by ' || {{ day_text('dispute_deadline_on') }}
        end || coalesce(': ' || dispute_reason, '') as dispute_text,
        case
            when is_plan_behind
                then 'payment plan behind: ' || {{ money_text('currency', 'plan_due_to_date') }} || ' due so far, '
                || {{ money_text('currency', 'plan_paid_to_date') }} || ' paid'
            when is_plan_on_track
                then 'payment plan on track: next ' || {{ money_text('currency', 'plan_next_installment_amount') }}
                || ' due ' || {{ day_text('plan_next_installment_on') }}
        end as plan_text,
        case
            when is_promise_broken
                then 'director expected payment by ' || {{ day_text('promised_on') }} || ', '
                || {{ money_text('currency', 'paid_since_answer') }} || ' paid since'
            when is_promise_due then 'director expects payment by ' || {{ day_text('promised_on') }}
            when is_director_dispute then 'director reports a dispute: ' || director_answer
            when director_answer is not null then 'director: ' || director_answer
        end as director_text,
        case
            when payment_id is not null
                then 'payment of ' || {{ money_text('currency', 'balance') }} || coalesce(' from ' || payer, '')
                || ' waiting ' || {{ count_text('days_unmatched', 'day', 'days') }} || ' to be placed'
        end as payment_text
    from scored
),

decided as (
    select
        *,
        {{ worklist_next_action('reason') }} as reason,
        {{ worklist_next_action('action') }} as next_action,
        {{ worklist_reasons_json() }} as reasons
    from worded
)

select
    collector,
    row_number() over (
        partition by collector
        order by priority_score desc nulls last, days_past_due desc nulls last, item_key
    ) as rank,
    item_key,
    invoice_key,
    payment_id,
    invoice_number,
    display_number,
    office,
    account_id,
    account_name,
    currency,
    balance,
    due_date,
    days_past_due,
    aging_bucket,
    stage,
    reason,
    reasons,
    next_action,
    {{ worklist_due_by('reason') }} as due_by,
    cast(priority_score as decimal(18, 2)) as priority_score,
    {{ ll_worklist_drivers_json([
        ('balance_rank_in_currency', 'balance_rank_in_currency', 'balance_points'),
        ('days_past_due', 'days_past_due', 'days_past_due_points'),
        ('aging_bucket', 'aging_bucket', 'aging_bucket_points'),
        ('days_since_touch', 'days_since_touch', 'days_since_touch_points'),
        ('broken_promise', 'promised_on', 'broken_promise_points'),
        ('promise_due', 'promised_on', 'promise_due_points'),
        ('director_dispute', 'director_answer', 'director_dispute_points'),
        ('unmatched_payment', 'exception_reason', 'unmatched_payment_points'),
        ('days_unmatched', 'days_unmatched', 'days_unmatched_points'),
        ('promise_to_pay_broken', 'promise_text', 'promise_to_pay_broken_points'),
        ('promise_to_pay_due', 'promise_text', 'promise_to_pay_due_points'),
        ('dispute_overdue', 'dispute_text', 'dispute_overdue_points'),
        ('dispute_deadline_near', 'dispute_text', 'dispute_deadline_near_points'),
        ('plan_behind', 'plan_text', 'plan_behind_points'),
        ('payment_risk', 'risk_context', 'payment_risk_points'),
        ('dunning_call', 'dunning_call_task', 'dunning_call_points'),
    ]) }} as drivers,
    director_answer,
    director_answer_at,
    promised_on,
    promised_amount,
    paid_since_answer,
    exception_reason,
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
    is_promise_broken,
    is_promise_due,
    is_director_dispute,
    is_dunning_call_due,
    dunning_call_task,
    risk_score,
    risk_context,
    promise_text,
    dispute_text,
    plan_text,
    director_text,
    payment_text,
    payer,
    days_unmatched,
    last_payment_on,
    invoice_date,
    last_touch_at,
    days_since_touch,
    balance_rank_in_currency,
    balance_points,
    days_past_due_points,
    aging_bucket_points,
    days_since_touch_points,
    broken_promise_points,
    promise_due_points,
    director_dispute_points,
    unmatched_payment_points,
    days_unmatched_points,
    promise_to_pay_broken_points,
    promise_to_pay_due_points,
    dispute_overdue_points,
    dispute_deadline_near_points,
    plan_behind_points,
    payment_risk_points,
    dunning_call_points,
    as_of_date
from decided
