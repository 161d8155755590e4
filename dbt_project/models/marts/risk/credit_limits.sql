-- Suggested credit limits per account and currency: shown to managers, never applied.
-- The limit leaves room for the last 12 months' peak exposure at the policy's utilization target,
-- scaled by the account's risk band (the high band's factor when its last invoice was paid more
-- than late_days_penalty days late), rounded, clamped to the previous run's limit ± the maximum
-- step change, and to the policy's bounds. Every row says why in change_reason.
{%- set limits = policy_value('risk', 'credit_limits') %}
{%- set factors = limits['band_factors'] %}
{%- set prior = adapter.get_relation(this.database, this.schema, this.identifier) %}
{%- set step = limits['max_step_change_percent'] %}
{%- set min_limit = limits['min_limit'] %}
{%- set max_limit = limits['max_limit'] %}

with history as (
    -- Every invoice the account ever had, with the day it was settled (null while open).
    select
        account_id,
        currency,
        coalesce(invoice_date, due_on) as issued_on,
        amount,
        settled_on
    from {{ ref('int_invoice_payment_history') }}
    where account_id is not null and currency is not null
),

month_ends as (
    {%- for months_back in range(12) %}
    select cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1 - months_back,
        dbt.date_trunc('month', as_of_date()))) }} as date) as month_end
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

exposure_history as (
    -- Open invoice amounts per account and currency at each of the last 12 month-ends.
    select
        history.account_id,
        history.currency,
        month_ends.month_end,
        sum(history.amount) as exposure
    from history
    inner join month_ends
        on
            history.issued_on <= month_ends.month_end
            and (history.settled_on is null or history.settled_on > month_ends.month_end)
    group by history.account_id, history.currency, month_ends.month_end
),

open_balances as (
    -- Today's exposure: the ledger's open balances (after partial payments).
    select
        account_id,
        currency,
        sum(balance) as current_exposure
    from {{ ref('ar_ledger') }}
    where balance > 0 and account_id is not null
    group by account_id, currency
),

accounts as (
    -- Accounts with an open balance, or an invoice issued or settled in the last 12 months.
    select
        account_id,
        currency
    from open_balances
    union
    select
        account_id,
        currency
    from history
    where
        issued_on > {{ dbt.dateadd('month', -12, as_of_date()) }}
        or settled_on > {{ dbt.dateadd('month', -12, as_of_date()) }}
),

peaks as (
    select
        accounts.account_id,
        accounts.currency,
        coalesce(open_balances.current_exposure, 0) as current_exposure,
        greatest(
            coalesce(open_balances.current_exposure, 0),
            coalesce(max(exposure_history.exposure), 0)
        ) as peak_exposure
    from accounts
    left join open_balances using (account_id, currency)
    left join exposure_history using (account_id, currency)
    group by accounts.account_id, accounts.currency, open_balances.current_exposure
),

behaviour as (
    select
        peaks.*,
        risk.risk_score,
        coalesce(risk.risk_band, 'medium') as risk_band,
        features.baseline_last_days_late as last_days_late,
        coalesce(features.baseline_last_days_late > {{ limits['late_days_penalty'] }}, false)
            as is_last_paid_late
    from peaks
    left join {{ ref('account_risk') }} as risk using (account_id)
    left join {{ ref('int_account_risk_features') }} as features
        on peaks.account_id = features.account_id and features.is_current
),

previous as (
    {%- if prior is not none %}
    -- The previous run's suggestion; a re-run of the same day keeps that day's previous limit.
    select
        account_id,
        currency,
        case
            when as_of < {{ as_of_date() }} then suggested_limit else previous_limit
        end as previous_limit
    from {{ prior }}
    {%- else %}
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as currency,
        cast(null as decimal(18, 2)) as previous_limit
    where false
    {%- endif %}
),

factored as (
    select
        behaviour.*,
        previous.previous_limit,
        case
            when behaviour.is_last_paid_late or behaviour.risk_band = 'high' then {{ factors['high'] }}
            when behaviour.risk_band = 'low' then {{ factors['low'] }}
            else {{ factors['medium'] }}
        end as band_factor
    from behaviour
    left join previous using (account_id, currency)
),

targets as (
    select
        *,
        cast(
            {{ ll_round_double(
                "cast(peak_exposure as double precision) / " ~ limits['utilization_target'] ~ " * band_factor / "
                ~ limits['round_to']
            ) }} * {{ limits['round_to'] }} as decimal(18, 2)
        ) as target_limit
    from factored
),

stepped as (
    -- In double precision, as DuckDB computes a decimal times a quotient.
    {%- set step_share = 'cast(' ~ step ~ ' as double precision) / 100' %}
    select
        *,
        case
            when target_limit < previous_limit * (1 - {{ step_share }})
                then previous_limit * (1 - {{ step_share }})
            when target_limit > previous_limit * (1 + {{ step_share }})
                then previous_limit * (1 + {{ step_share }})
            else target_limit
        end as stepped_limit
    from targets
),

clamped as (
    select
        *,
        cast(least(greatest(stepped_limit, {{ min_limit }}), {{ max_limit }}) as decimal(18, 2)) as suggested_limit
    from stepped
),

explained as (
    select
        *,
        case
            when previous_limit is null then 'new'
            when suggested_limit > previous_limit then 'raised'
            when suggested_limit < previous_limit then 'lowered'
            else 'unchanged'
        end as change_kind,
        case
            when risk_score is null then 'no risk score yet'
            when is_last_paid_late
                then 'last invoice paid ' || cast(cast(last_days_late as integer) as varchar) || ' days late'
            when risk_band = 'low' then 'pays on time'
            when risk_band = 'medium' then 'some risk of paying late'
            else 'high risk of paying late'
        end
        || case
            when risk_score is not null
                then ' (' || risk_band || ' risk, ' || cast(cast({{ ll_round_double('risk_score * 100') }} as integer) as varchar) || '%)'
            else ''
        end as behaviour_reason,
        case
            when peak_exposure > 0
                then cast(cast({{ ll_round_double(
                    'cast(current_exposure as double precision) / cast(peak_exposure as double precision) * 100'
                ) }} as integer) as varchar)
                || '% utilized (open ' || cast(cast(current_exposure as decimal(18, 2)) as varchar)
                || ' of a 12-month peak of ' || cast(cast(peak_exposure as decimal(18, 2)) as varchar) || ')'
            else 'no exposure in the last 12 months'
        end as utilization_reason,
        case
            when suggested_limit > stepped_limit then '; raised to the policy minimum'
            when suggested_limit < stepped_limit then '; lowered to the policy maximum'
            when stepped_limit < target_limit then '; capped at the {{ step }}% step change'
            when stepped_limit > target_limit then '; cut by at most the {{ step }}% step change'
            else ''
        end as constraint_reason
    from clamped
)

select
    account_id,
    currency,
    cast(current_exposure as decimal(18, 2)) as current_exposure,
    cast(peak_exposure as decimal(18, 2)) as peak_exposure_12m,
    risk_score,
    risk_band,
    cast(target_limit as decimal(18, 2)) as target_limit,
    suggested_limit,
    cast(previous_limit as decimal(18, 2)) as previous_limit,
    change_kind || ': ' || behaviour_reason || ', ' || utilization_reason || constraint_reason as change_reason,
    {{ as_of_date() }} as as_of
from explained
