-- Per collector and currency: open items and balance, activity in the last 7 and 30 days
-- (human updates on their invoices: director answers, tracker notes, collector entries naming
-- an invoice; and payments placed on their invoices), coverage gaps (past-due accounts nobody
-- touched for `worklist.coverage_gap_days`), and the load rule: load is even when every
-- collector holds between the team's mean open items divided and multiplied by
-- `worklist.reassign_load_ratio`; a collector above gets a hint to move items to the least
-- loaded, one below a hint that they can take more. Invoices without a currency (tracker-only)
-- are their own row: their currency is null, so rows are matched with `is not distinct from`.

{%- set human_update_kinds -%}
    'director_answer', 'tracker_note', 'collector_note', 'collector_call', 'promise_made', 'dispute_opened',
    'dispute_resolved', 'plan_made'
{%- endset %}

with ledger as (
    select
        invoice_key,
        {{ worklist_collector('collector') }} as collector,
        currency,
        as_of_date
    from {{ ref('ar_ledger') }}
),

pairs as (
    select distinct
        collector,
        currency,
        as_of_date
    from ledger
),

open_load as (
    select
        collector,
        currency,
        count(*) as open_items,
        cast(sum(balance) as decimal(18, 2)) as open_balance,
        count(*) filter (where days_past_due > 0) as past_due_items,
        cast(coalesce(sum(balance) filter (where days_past_due > 0), 0) as decimal(18, 2))
            as past_due_balance
    from {{ ref('int_worklist_items_scored') }}
    group by collector, currency
),

account_touches as (
    -- A past-due account is covered when any of its past-due invoices was touched recently.
    select
        collector,
        currency,
        coalesce(account_id, account_name) as account_id,
        min(days_since_touch) as days_since_touch
    from {{ ref('int_worklist_items_scored') }}
    where days_past_due > 0
    group by collector, currency, coalesce(account_id, account_name)
),

coverage as (
    select
        collector,
        currency,
        count(*) filter (
            where days_since_touch >= {{ policy_int('worklist', 'coverage_gap_days') }}
        ) as coverage_gap_accounts
    from account_touches
    group by collector, currency
),

activity as (
    select
        ledger.collector,
        ledger.currency,
        count(*) filter (
            where timeline.kind in ({{ human_update_kinds }})
            and cast(timeline.occurred_at as date) > ledger.as_of_date - 7
        ) as updates_last_7_days,
        count(*) filter (
            where timeline.kind in ({{ human_update_kinds }})
            and cast(timeline.occurred_at as date) > ledger.as_of_date - 30
        ) as updates_last_30_days,
        count(*) filter (
            where timeline.kind = 'payment_applied'
            and cast(timeline.occurred_at as date) > ledger.as_of_date - 7
        ) as applications_last_7_days,
        count(*) filter (
            where timeline.kind = 'payment_applied'
            and cast(timeline.occurred_at as date) > ledger.as_of_date - 30
        ) as applications_last_30_days
    from {{ ref('account_timeline') }} as timeline
    inner join ledger using (invoice_key)
    where cast(timeline.occurred_at as date) <= ledger.as_of_date
    group by ledger.collector, ledger.currency
),

per_pair as (
    select
        pairs.collector,
        pairs.currency,
        coalesce(open_load.open_items, 0) as open_items,
        cast(coalesce(open_load.open_balance, 0) as decimal(18, 2)) as open_balance,
        coalesce(open_load.past_due_items, 0) as past_due_items,
        cast(coalesce(open_load.past_due_balance, 0) as decimal(18, 2)) as past_due_balance,
        coalesce(activity.updates_last_7_days, 0) as updates_last_7_days,
        coalesce(activity.updates_last_30_days, 0) as updates_last_30_days,
        coalesce(activity.applications_last_7_days, 0) as applications_last_7_days,
        coalesce(activity.applications_last_30_days, 0) as applications_last_30_days,
        coalesce(coverage.coverage_gap_accounts, 0) as coverage_gap_accounts,
        pairs.as_of_date
    from pairs
    left join open_load
        on pairs.collector = open_load.collector and pairs.currency is not distinct from open_load.currency
    left join activity
        on pairs.collector = activity.collector and pairs.currency is not distinct from activity.currency
    left join coverage
        on pairs.collector = coverage.collector and pairs.currency is not distinct from coverage.currency
),

collector_load as (
    -- Load is counted in open items across currencies (balances in two currencies do not add).
    select
        collector,
        cast(sum(open_items) as bigint) as collector_open_items  -- an integer on both engines
    from per_pair
    group by collector
),

team as (
    select
        -- a DOUBLE on both engines (PostgreSQL's avg of integers is a numeric)
        avg(cast(collector_open_items as double precision)) filter (where collector <> 'unassigned')
            as mean_open_items,
        min(collector_open_items) filter (where collector <> 'unassigned') as fewest_open_items
    from collector_load
),

least_loaded as (
    select min(collector) as collector
    from collector_load
    cross join team
    where collector <> 'unassigned' and collector_open_items = team.fewest_open_items
),

hints as (
    select
        collector_load.collector,
        collector_load.collector_open_items,
        cast(team.mean_open_items as decimal(18, 2)) as team_mean_open_items,
        cast({{ policy_value('worklist', 'reassign_load_ratio') }} as decimal(18, 2)) as load_ratio,
        case
            when collector_load.collector = 'unassigned' and collector_load.collector_open_items > 0
                then 'Assign these ' || collector_load.collector_open_items || ' open items to a collector'
            when
                collector_load.collector <> 'unassigned'
                and collector_load.collector_open_items
                > team.mean_open_items * {{ policy_value('worklist', 'reassign_load_ratio') }}
                and least_loaded.collector <> collector_load.collector
                then
                    'Holds ' || collector_load.collector_open_items || ' open items against a team mean of '
                    || cast(cast({{ ll_round_double('team.mean_open_items', 1) }} as decimal(18, 1)) as varchar) || ': move about '
                    || cast(collector_load.collector_open_items - ceil(team.mean_open_items) as bigint)
                    || ' to ' || least_loaded.collector
            when
                collector_load.collector <> 'unassigned'
                and collector_load.collector_open_items
                < team.mean_open_items / {{ policy_value('worklist', 'reassign_load_ratio') }}
                then
                    'Holds ' || collector_load.collector_open_items || ' open items against a team mean of '
                    || cast(cast({{ ll_round_double('team.mean_open_items', 1) }} as decimal(18, 1)) as varchar) || ': can take about '
                    || cast(floor(team.mean_open_items) - collector_load.collector_open_items as bigint)
                    || ' more'
        end as reassignment_hint
    from collector_load
    cross join team
    left join least_loaded on true
)

select
    per_pair.collector,
    per_pair.currency,
    per_pair.open_items,
    per_pair.open_balance,
    per_pair.past_due_items,
    per_pair.past_due_balance,
    per_pair.updates_last_7_days,
    per_pair.updates_last_30_days,
    per_pair.applications_last_7_days,
    per_pair.applications_last_30_days,
    per_pair.coverage_gap_accounts,
    hints.collector_open_items,
    hints.reassignment_hint,
    per_pair.as_of_date,
    hints.team_mean_open_items,
    hints.load_ratio
from per_pair
inner join hints using (collector)
