-- Every feature row of a sample of accounts (about one in sixteen, by a hash of the id) equals
-- the same features recomputed, the plain way, from the invoice history truncated at the row's
-- as_of: only invoices issued by then, and settlements only where dated by then. A feature
-- that read anything after its as_of date would differ. Returns the rows that differ.
{%- set n = risk_setting('recent_invoices') %}

with features as (
    select *
    from {{ ref('int_account_risk_features') }}
    where left({{ dbt.hash('account_id') }}, 1) = '0'
),

truncated as (
    select
        features.account_id,
        features.as_of,
        history.invoice_key,
        history.due_on,
        history.amount,
        coalesce(history.invoice_date, history.due_on) as issued_on,
        case
            when greatest(history.settled_on, coalesce(history.invoice_date, history.due_on)) <= features.as_of
                then history.settled_on
        end as settled_on,
        -- The same history as it stood 90 days earlier.
        cast({{ dbt.dateadd('day', -90, 'features.as_of') }} as date) as as_of_less_90,
        case
            when greatest(history.settled_on, coalesce(history.invoice_date, history.due_on))
                <= cast({{ dbt.dateadd('day', -90, 'features.as_of') }} as date)
                then history.settled_on
        end as settled_on_90d_before,
        case
            when history.disputed_on is not null
                and greatest(history.disputed_on, coalesce(history.invoice_date, history.due_on)) <= features.as_of
                then greatest(history.disputed_on, coalesce(history.invoice_date, history.due_on))
        end as dispute_known_on
    from features
    inner join {{ ref('int_invoice_payment_history') }} as history
        on history.account_id = features.account_id
        and coalesce(history.invoice_date, history.due_on) <= features.as_of
),

settled as (
    select
        account_id,
        as_of,
        {{ dbt.datediff('due_on', 'settled_on', 'day') }} as days_late,
        row_number() over (
            partition by account_id, as_of
            order by greatest(settled_on, issued_on) desc, due_on desc, invoice_key desc
        ) as recency
    from truncated
    where settled_on is not null
),

recomputed_settled as (
    select
        account_id,
        as_of,
        count(*) as settled_invoices,
        avg(days_late) filter (where recency <= {{ n }}) as days_late_mean,
        avg(days_late) filter (where recency > {{ n }} and recency <= {{ 2 * n }}) as days_late_mean_before,
        avg(case when days_late > 0 then 1.0 else 0.0 end) filter (where recency <= {{ n }}) as share_late,
        max(days_late) filter (where recency = 1) as last_days_late
    from settled
    group by account_id, as_of
),

recomputed_open as (
    select
        account_id,
        as_of,
        sum(amount) filter (where settled_on is null) as open_balance,
        count(*) filter (where settled_on is null and due_on < as_of) as open_past_due_count,
        max({{ dbt.datediff('due_on', 'as_of', 'day') }}) filter (where settled_on is null and due_on < as_of)
            as max_days_past_due,
        min(issued_on) as first_issued_on,
        sum(amount) filter (
            where issued_on <= as_of_less_90 and settled_on_90d_before is null
        ) as open_balance_90d_before,
        count(*) filter (where issued_on > as_of_less_90) as invoices_last_90d,
        count(*) filter (
            where issued_on <= as_of_less_90 and issued_on > cast({{ dbt.dateadd('day', -90, 'as_of_less_90') }} as date)
        ) as invoices_previous_90d,
        count(*) filter (
            where dispute_known_on > cast({{ dbt.dateadd('day', -365, 'as_of') }} as date)
        ) as disputes_365d
    from truncated
    group by account_id, as_of
),

compared as (
    select
        features.account_id,
        features.as_of,
        features.f_settled_invoices,
        coalesce(recomputed_settled.settled_invoices, 0) as expected_settled_invoices,
        features.f_days_late_mean,
        coalesce(recomputed_settled.days_late_mean, 0) as expected_days_late_mean,
        features.f_share_paid_late,
        coalesce(recomputed_settled.share_late, 0) as expected_share_paid_late,
        features.baseline_last_days_late,
        coalesce(recomputed_settled.last_days_late, 0) as expected_baseline_last_days_late,
        features.f_open_balance,
        coalesce(recomputed_open.open_balance, 0) as expected_open_balance,
        features.f_open_past_due_count,
        coalesce(recomputed_open.open_past_due_count, 0) as expected_open_past_due_count,
        features.f_max_days_past_due,
        coalesce(recomputed_open.max_days_past_due, 0) as expected_max_days_past_due,
        features.f_tenure_days,
        {{ dbt.datediff('recomputed_open.first_issued_on', 'features.as_of', 'day') }} as expected_tenure_days,
        features.f_days_late_trend,
        coalesce(recomputed_settled.days_late_mean - recomputed_settled.days_late_mean_before, 0)
            as expected_days_late_trend,
        features.f_open_balance_change_90d,
        coalesce(
            (coalesce(recomputed_open.open_balance, 0) - coalesce(recomputed_open.open_balance_90d_before, 0))
            / nullif(greatest(
                coalesce(recomputed_open.open_balance, 0), coalesce(recomputed_open.open_balance_90d_before, 0)
            ), 0),
            0
        ) as expected_open_balance_change_90d,
        features.f_invoices_last_90d,
        coalesce(recomputed_open.invoices_last_90d, 0) as expected_invoices_last_90d,
        features.f_invoice_volume_change,
        coalesce(
            cast(recomputed_open.invoices_last_90d - recomputed_open.invoices_previous_90d as double precision)
            / nullif(greatest(recomputed_open.invoices_last_90d, recomputed_open.invoices_previous_90d), 0),
            0
        ) as expected_invoice_volume_change,
        features.f_disputes_365d,
        coalesce(recomputed_open.disputes_365d, 0) as expected_disputes_365d
    from features
    left join recomputed_settled using (account_id, as_of)
    left join recomputed_open using (account_id, as_of)
)

select *
from compared
where abs(f_settled_invoices - expected_settled_invoices) > 1e-9
    or abs(f_days_late_mean - expected_days_late_mean) > 1e-9
    or abs(f_share_paid_late - expected_share_paid_late) > 1e-9
    or baseline_last_days_late != expected_baseline_last_days_late
    or abs(f_open_balance - expected_open_balance) > 0.005
    or f_open_past_due_count != expected_open_past_due_count
    or f_max_days_past_due != expected_max_days_past_due
    or f_tenure_days != coalesce(expected_tenure_days, -1)
    or abs(f_days_late_trend - expected_days_late_trend) > 1e-9
    or abs(f_open_balance_change_90d - expected_open_balance_change_90d) > 1e-9
    or f_invoices_last_90d != expected_invoices_last_90d
    or abs(f_invoice_volume_change - expected_invoice_volume_change) > 1e-9
    or f_disputes_365d != expected_disputes_365d
