-- Point-in-time payment-behaviour features per account and as-of date, with the label the
-- risk model learns (is the account's next invoice due after that date paid late?).
-- Rows: every month-end from the first whole month of history up to before the run's as-of
-- date, and the run's as-of date itself (`is_current`), for each account with an invoice
-- issued by then. A feature at `as_of` reads only invoices issued on or before it and
-- settlements dated on or before it; assert_risk_features_are_point_in_time checks that.
-- Invoices without an invoice date count as issued on their due date.
--
-- How it stays fast (2.4M rows from 1M invoices in seconds): the grid's dates are numbered
-- (`i`), every dated event maps to the first grid date on or after it (`grid_index`), so
-- "on or before as_of" becomes "index <= i": running sums over each account's grid rows give
-- balances and counts, and spans between two events expand to the grid rows they cover
-- (`index_series`) instead of range joins.
--
-- Incremental by account (macros/risk_features.sql): on a refresh whose scope is `changed`, the
-- pre-hook deletes the rows of the accounts whose inputs changed and the build computes the
-- accounts the table no longer holds, so a run later the same day recomputes the accounts its
-- new records touch; otherwise (a new as-of date, grid, setting or SQL, or most accounts
-- changed) every row is built again. `--full-refresh` gives the same rows
-- (tests/e2e/test_incremental_runs.py).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ risk_features_forget_changed() }}",
) }}
{%- set only_changed = is_incremental() and risk_features_scope() == 'changed' %}
{%- set n = risk_setting('recent_invoices') %}
{%- set threshold = risk_setting('late_threshold_days') %}

with every_history as (
    select
        account_id,
        invoice_key,
        coalesce(invoice_date, due_on) as issued_on,
        due_on,
        amount,
        settled_on,
        -- A settlement is known from the later of its date and the invoice's issue.
        case when settled_on is not null then greatest(settled_on, coalesce(invoice_date, due_on)) end
            as settlement_known_on,
        days_late,
        case when disputed_on is not null then greatest(disputed_on, coalesce(invoice_date, due_on)) end
            as dispute_known_on
    from {{ ref('int_invoice_payment_history') }}
    where account_id is not null and due_on is not null
),

inputs as (
    {{ risk_feature_inputs() }}
),

accounts_built as (
    -- The accounts this build computes: every one, or on a `changed` refresh those the table lacks.
    select account_id
    from inputs
    {%- if only_changed %}
    where not exists (select 1 from {{ this }} as built where built.account_id = inputs.account_id)
    {%- endif %}
),

history as (
    select every_history.*
    from every_history
    {%- if only_changed %}
    inner join accounts_built using (account_id)
    {%- endif %}
),

params as (
    -- The grid starts with the first whole month of every account's history; it ends with the
    -- run's as-of date.
    select
        first_month,
        as_of,
        built_for,
        greatest(0, cast({{ dbt.datediff('first_month', 'as_of', 'month') }} as bigint)) as current_index
    from (
        select
            {{ as_of_date() }} as as_of,
            {{ risk_features_first_month('issued_on') }} as first_month,
            {{ risk_features_built_for(risk_features_first_month('issued_on')) }} as built_for
        from every_history
    ) as bounds
),

grid as (
    select
        indices.i,
        indices.i = params.current_index as is_current,
        case
            when indices.i = params.current_index then params.as_of
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'indices.i + 1', 'params.first_month')) }} as date)
        end as as_of
    from (select {{ index_series(0, 'current_index + 1') }} as i from params) as indices
    cross join params
),

invoices as materialized (
    -- Each invoice with the grid index of each of its dates (null: after the run's as-of date).
    select
        history.*,
        {{ grid_index('history.issued_on') }} as issued_i,
        {{ grid_index('history.settlement_known_on') }} as settled_i,
        {{ grid_index(dbt.dateadd('day', 90, 'history.issued_on')) }} as issued_90_i,
        {{ grid_index(dbt.dateadd('day', 180, 'history.issued_on')) }} as issued_180_i,
        {{ grid_index(dbt.dateadd('day', 90, 'history.settlement_known_on')) }} as settled_90_i,
        {{ grid_index('greatest(' ~ dbt.dateadd('day', 1, 'history.due_on') ~ ', history.issued_on)') }}
            as past_due_i,
        {{ grid_index('history.dispute_known_on') }} as disputed_i,
        {{ grid_index(dbt.dateadd('day', 365, 'history.dispute_known_on')) }} as dispute_expired_i,
        {{ grid_index('history.due_on') }} as due_i,
        params.current_index
    from history
    cross join params
),

broken_promises as (
    -- Formal promises to pay that broke (the promised date passed without the money): known the
    -- day after the promised date, counted for 365 days.
    select
        promises.account_id,
        {{ grid_index('promises.broken_on') }} as broken_i,
        {{ grid_index(dbt.dateadd('day', 365, 'promises.broken_on')) }} as broken_expired_i
    from {{ ref('promises_to_pay') }} as promises
    {%- if only_changed %}
    inner join accounts_built using (account_id)
    {%- endif %}
    cross join params
    where promises.is_broken
),

plans as (
    -- Payment plans' installments and when each plan was made.
    select
        plan_id,
        account_id,
        currency,
        made_on,
        due_on,
        amount
    from {{ ref('payment_plans') }}
    {%- if only_changed %}
    where account_id in (select account_id from accounts_built)
    {%- endif %}
),

plans_in_force as (
    -- At each grid date, the account's newest plan per currency made by then.
    select distinct
        plan_id,
        account_id,
        currency,
        made_on,
        i,
        as_of
    from (
        select
            plans.plan_id,
            plans.account_id,
            plans.currency,
            plans.made_on,
            grid.i,
            grid.as_of,
            dense_rank() over (
                partition by plans.account_id, plans.currency, grid.i
                order by plans.made_on desc nulls last, cast(plans.plan_id as bigint) desc nulls last
            ) as recency
        from plans
        inner join grid on plans.made_on <= grid.as_of
    ) as ranked
    where recency = 1
),

plans_due as (
    select
        plans_in_force.plan_id,
        plans_in_force.i,
        coalesce(sum(plans.amount) filter (where plans.due_on < plans_in_force.as_of), 0) as due_to_date
    from plans_in_force
    inner join plans on plans_in_force.plan_id = plans.plan_id
    group by plans_in_force.plan_id, plans_in_force.i
),

plans_paid as (
    -- Applied payments of the account in the plan's currency since the plan was made, by then.
    select
        plans_in_force.plan_id,
        plans_in_force.i,
        coalesce(sum(applied.applied_amount), 0) as paid_to_date
    from plans_in_force
    left join {{ ref('int_account_payments_applied') }} as applied
        on plans_in_force.account_id = applied.account_id
        and plans_in_force.currency = applied.currency
        and applied.received_on >= plans_in_force.made_on
        and applied.received_on <= plans_in_force.as_of
    group by plans_in_force.plan_id, plans_in_force.i
),

plans_behind as (
    -- A plan in force is behind when less was paid since it was made than its installments due
    -- before the date add up to.
    select distinct
        plans_in_force.account_id,
        plans_in_force.i
    from plans_in_force
    inner join plans_due using (plan_id, i)
    inner join plans_paid using (plan_id, i)
    where plans_due.due_to_date > plans_paid.paid_to_date
),

events as (
    -- What changes at each grid index: +/- amounts and counts that running sums turn into
    -- balances (open now and 90 days earlier), invoices issued (by as_of, 90 and 180 days
    -- earlier), invoices open past due, disputes and broken promises of the last 365 days.
    select
        account_id,
        i,
        sum(open_delta) as open_delta,
        sum(open_90_delta) as open_90_delta,
        sum(issued_delta) as issued_delta,
        sum(issued_90_delta) as issued_90_delta,
        sum(issued_180_delta) as issued_180_delta,
        sum(past_due_delta) as past_due_delta,
        sum(dispute_delta) as dispute_delta,
        sum(broken_promise_delta) as broken_promise_delta
    from (
        select account_id, issued_i as i, amount as open_delta, 0 as open_90_delta, 1 as issued_delta,
            0 as issued_90_delta, 0 as issued_180_delta, 0 as past_due_delta, 0 as dispute_delta,
            0 as broken_promise_delta
        from invoices
        union all
        select account_id, settled_i, -amount, 0, 0, 0, 0, 0, 0, 0
        from invoices
        union all
        select account_id, issued_90_i, 0, amount, 0, 1, 0, 0, 0, 0
        from invoices
        union all
        select account_id, settled_90_i, 0, -amount, 0, 0, 0, 0, 0, 0
        from invoices
        union all
        select account_id, issued_180_i, 0, 0, 0, 0, 1, 0, 0, 0
        from invoices
        union all
        select account_id, past_due_i, 0, 0, 0, 0, 0, 1, 0, 0
        from invoices
        where past_due_i < coalesce(settled_i, current_index + 1)
        union all
        select account_id, settled_i, 0, 0, 0, 0, 0, -1, 0, 0
        from invoices
        where past_due_i < settled_i
        union all
        select account_id, disputed_i, 0, 0, 0, 0, 0, 0, 1, 0
        from invoices
        union all
        select account_id, dispute_expired_i, 0, 0, 0, 0, 0, 0, -1, 0
        from invoices
        where disputed_i is not null
        union all
        select account_id, broken_i, 0, 0, 0, 0, 0, 0, 0, 1
        from broken_promises
        union all
        select account_id, broken_expired_i, 0, 0, 0, 0, 0, 0, 0, -1
        from broken_promises
        where broken_i is not null
    ) as deltas
    where i is not null
    group by account_id, i
),

accounts as (
    select
        account_id,
        min(issued_on) as first_issued_on,
        min(issued_i) as first_i
    from invoices
    group by account_id
    having min(issued_i) is not null
),

running_totals as (
    -- Running totals after each index with an event; they hold until the account's next one.
    select
        account_id,
        i,
        lead(i) over by_index as next_i,
        {%- for column in ['open', 'open_90', 'issued', 'issued_90', 'issued_180', 'past_due', 'dispute', 'broken_promise'] %}
        sum({{ column }}_delta) over by_index as {{ column }}_total{{ ',' if not loop.last }}
        {%- endfor %}
    from events
    window by_index as (partition by account_id order by i rows between unbounded preceding and current row)
),

panel as (
    -- One row per account and grid date from its first invoice on, with the
    -- running totals as they stood at that date.
    select
        spans.*,
        accounts.first_issued_on,
        grid.as_of,
        grid.is_current
    from (
        select
            running_totals.account_id,
            {%- for column in ['open', 'open_90', 'issued', 'issued_90', 'issued_180', 'past_due', 'dispute', 'broken_promise'] %}
            running_totals.{{ column }}_total,
            {%- endfor %}
            {{ index_series('running_totals.i', 'coalesce(running_totals.next_i, params.current_index + 1)') }} as i
        from running_totals
        cross join params
    ) as spans
    inner join grid on spans.i = grid.i
    inner join accounts on spans.account_id = accounts.account_id and spans.i >= accounts.first_i
),

oldest_past_due as (
    -- The oldest due date among invoices open past due at each grid date.
    select
        account_id,
        i,
        min(due_on) as oldest_due_on
    from (
        select
            account_id,
            due_on,
            {{ index_series('past_due_i', 'coalesce(settled_i, current_index + 1)') }} as i
        from invoices
        where past_due_i < coalesce(settled_i, current_index + 1)
    ) as spans
    group by account_id, i
),

settled_events as (
    -- Each settlement in the order it became known, with rolling figures over the last N
    -- settled invoices and the N before them; it holds until the account's next settlement.
    select
        account_id,
        settled_i,
        current_index,
        lead(settled_i) over by_settlement as next_settled_i,
        days_late as last_days_late,
        avg(days_late) over (by_settlement rows between {{ n - 1 }} preceding and current row)
            as days_late_mean,
        avg(days_late) over (by_settlement rows between {{ 2 * n - 1 }} preceding and {{ n }} preceding)
            as days_late_mean_before,
        avg(case when days_late > 0 then 1.0 else 0.0 end) over (
            by_settlement rows between {{ n - 1 }} preceding and current row
        ) as share_late,
        row_number() over by_settlement as settled_count
    from invoices
    where settled_i is not null
    window by_settlement as (partition by account_id order by settlement_known_on, due_on, invoice_key)
),

settled_state as (
    select
        account_id,
        last_days_late,
        days_late_mean,
        days_late_mean_before,
        share_late,
        settled_count,
        {{ index_series('settled_i', 'coalesce(next_settled_i, current_index + 1)') }} as i
    from settled_events
    where settled_i < coalesce(next_settled_i, current_index + 1)
),

next_due as (
    -- The account's next invoice due after each grid date: due after it (i < due_i), while the
    -- invoice due before it (by due date) is due on or before it.
    select
        account_id,
        due_on,
        settled_on,
        days_late,
        due_i,
        lag(due_on) over (partition by account_id order by due_on, invoice_key) as previous_due_on,
        lag(due_i) over (partition by account_id order by due_on, invoice_key) as previous_due_i,
        current_index
    from invoices
),

labels as (
    select
        next_due.account_id,
        {{ index_series('coalesce(next_due.previous_due_i, 0)', 'coalesce(next_due.due_i, next_due.current_index + 1)') }}
            as i,
        case
            when next_due.settled_on is not null then next_due.days_late
            when {{ dbt.datediff('next_due.due_on', 'params.as_of', 'day') }} > {{ threshold }}
                then {{ dbt.datediff('next_due.due_on', 'params.as_of', 'day') }}
        end as label_days_late,
        case
            when next_due.settled_on is not null and next_due.days_late > {{ threshold }}
                then least(next_due.settled_on, cast({{ dbt.dateadd('day', threshold + 1, 'next_due.due_on') }} as date))
            when next_due.settled_on is not null then next_due.settled_on
            when {{ dbt.datediff('next_due.due_on', 'params.as_of', 'day') }} > {{ threshold }}
                then cast({{ dbt.dateadd('day', threshold + 1, 'next_due.due_on') }} as date)
        end as label_known_on
    from next_due
    cross join params
    where (next_due.previous_due_on is null or next_due.previous_due_i is not null)
        and coalesce(next_due.previous_due_i, 0) < coalesce(next_due.due_i, next_due.current_index + 1)
)

-- Fractional features are kept to 9 decimals: the engines' float sums and means differ in the
-- last bits (DuckDB and PostgreSQL add in other orders), and the risk model must fit the same
-- numbers on either.
select
    panel.account_id,
    panel.as_of,
    panel.is_current,
    {{ ll_round_double('cast(coalesce(settled_state.days_late_mean, 0) as double precision)', 9) }} as f_days_late_mean,
    {{ ll_round_double(
        'cast(coalesce(settled_state.days_late_mean - settled_state.days_late_mean_before, 0) as double precision)', 9
    ) }}
        as f_days_late_trend,
    {{ ll_round_double('cast(coalesce(settled_state.share_late, 0) as double precision)', 9) }} as f_share_paid_late,
    cast(coalesce(settled_state.settled_count, 0) as double precision) as f_settled_invoices,
    cast(case when settled_state.settled_count > 0 then 1 else 0 end as double precision) as f_has_payment_history,
    cast(case when settled_state.days_late_mean_before is not null then 1 else 0 end as double precision) as f_has_trend,
    cast(panel.open_total as double precision) as f_open_balance,
    {{ ll_round_double(
        'coalesce(cast(panel.open_total - panel.open_90_total as double precision)'
        ~ ' / nullif(greatest(panel.open_total, panel.open_90_total), 0), 0)', 9) }} as f_open_balance_change_90d,
    cast(panel.past_due_total as double precision) as f_open_past_due_count,
    cast(coalesce({{ dbt.datediff('oldest_past_due.oldest_due_on', 'panel.as_of', 'day') }}, 0) as double precision)
        as f_max_days_past_due,
    cast(panel.dispute_total as double precision) as f_disputes_365d,
    cast(panel.broken_promise_total as double precision) as f_broken_promises_365d,
    cast(case when plans_behind.account_id is not null then 1 else 0 end as double precision) as f_plan_behind,
    cast({{ dbt.datediff('panel.first_issued_on', 'panel.as_of', 'day') }} as double precision) as f_tenure_days,
    cast(panel.issued_total - panel.issued_90_total as double precision) as f_invoices_last_90d,
    {{ ll_round_double(
        'coalesce(cast((panel.issued_total - panel.issued_90_total) - (panel.issued_90_total - panel.issued_180_total)'
        ~ ' as double precision) / nullif(greatest(panel.issued_total - panel.issued_90_total,'
        ~ ' panel.issued_90_total - panel.issued_180_total), 0), 0)', 9) }} as f_invoice_volume_change,
    labels.label_days_late,
    labels.label_days_late > {{ threshold }} as label_is_late,
    labels.label_known_on,
    coalesce(settled_state.last_days_late, 0) as baseline_last_days_late,
    inputs.inputs_fingerprint,
    params.built_for
from panel
inner join inputs on panel.account_id = inputs.account_id
cross join params
left join settled_state on panel.account_id = settled_state.account_id and panel.i = settled_state.i
left join oldest_past_due on panel.account_id = oldest_past_due.account_id and panel.i = oldest_past_due.i
left join labels on panel.account_id = labels.account_id and panel.i = labels.i
left join plans_behind on panel.account_id = plans_behind.account_id and panel.i = plans_behind.i
