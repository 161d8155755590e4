-- Daily collections KPIs per as-of date, office, collector and currency, plus one
-- all-collectors row per office and currency (DSO and CEI do not add up across collectors).
-- Each run replaces its own as-of date and keeps the others; the previous rows give the
-- collection effectiveness index its beginning receivables. `--full-refresh` keeps them: past
-- days cannot be rebuilt from today's ledger.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    full_refresh=false,
) }}

{%- set countback_months = kpi_setting('countback_months') %}
{%- set cei_period_days = kpi_setting('cei_period_days') %}

with dates as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as month_start,
        cast({{ dbt.dateadd('day', -cei_period_days, as_of_date()) }} as date) as period_start
),

ledger as (
    select
        office,
        coalesce(collector, '(unassigned)') as collector,
        coalesce(currency, '(unknown)') as currency,
        invoice_key,
        invoice_date,
        amount,
        balance,
        status,
        days_past_due
    from {{ ref('ar_ledger') }}
),

scoped as (
    -- Every invoice counts for its collector and for the office's all-collectors row.
    select *, false as is_all_collectors from ledger
    union all
    select
        office,
        '(all collectors)' as collector,
        currency,
        invoice_key,
        invoice_date,
        amount,
        balance,
        status,
        days_past_due,
        true as is_all_collectors
    from ledger
),

months as (
    -- The invoice months DSO counts back through: this month to date, then whole months.
    select
        offsets.month_offset,
        cast({{ dbt.dateadd('month', '-offsets.month_offset', 'dates.month_start') }} as date) as month_start,
        least(
            cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', '1 - offsets.month_offset', 'dates.month_start')) }} as date),
            dates.as_of_date
        ) as month_end
    from dates
    cross join ({{ kpi_countback_offsets() }}) as offsets
),

grains as (
    -- Who has a row: open items, or invoices dated in the countback window or the CEI period.
    select distinct scoped.office, scoped.collector, scoped.currency, scoped.is_all_collectors
    from scoped
    cross join dates
    where scoped.status = 'open'
        or scoped.invoice_date between least(
            cast({{ dbt.dateadd('month', 1 - countback_months, 'dates.month_start') }} as date),
            dates.period_start
        ) and dates.as_of_date
),

receivables as (
    select
        grains.office,
        grains.collector,
        grains.currency,
        grains.is_all_collectors,
        cast(coalesce(sum(scoped.balance) filter (where scoped.status = 'open'), 0) as decimal(18, 2)) as open_ar,
        cast(coalesce(sum(scoped.balance) filter (
            where scoped.status = 'open' and scoped.days_past_due > 0
        ), 0) as decimal(18, 2)) as past_due_ar
    from grains
    left join scoped using (office, collector, currency, is_all_collectors)
    group by grains.office, grains.collector, grains.currency, grains.is_all_collectors
),

monthly_sales as (
    select
        grains.office,
        grains.collector,
        grains.currency,
        grains.is_all_collectors,
        months.month_offset,
        {{ dbt.datediff('months.month_start', 'months.month_end', 'day') }} + 1 as month_days,
        cast(coalesce(sum(scoped.amount), 0) as decimal(18, 2)) as credit_sales
    from grains
    cross join months
    left join scoped
        on grains.office = scoped.office
        and grains.collector = scoped.collector
        and grains.currency = scoped.currency
        and grains.is_all_collectors = scoped.is_all_collectors
        and scoped.invoice_date between months.month_start and months.month_end
    group by grains.office, grains.collector, grains.currency, grains.is_all_collectors,
        months.month_offset, months.month_start, months.month_end
),

countback as (
    select
        monthly_sales.*,
        receivables.open_ar,
        receivables.open_ar - receivables.past_due_ar as current_ar
    from monthly_sales
    inner join receivables using (office, collector, currency, is_all_collectors)
),

days_sales_outstanding as (
    {{ kpi_days_sales_outstanding('countback', ['office', 'collector', 'currency', 'is_all_collectors']) }}
),

applied_after_period_start as (
    -- Cash from payments received after the period start, to roll balances back to it.
    select
        applications.invoice_key,
        sum(applications.applied_amount) as applied_amount
    from {{ ref('payment_applications') }} as applications
    inner join {{ ref('payments') }} as payments using (payment_id)
    cross join dates
    where payments.received_on > dates.period_start
    group by applications.invoice_key
),

reconstructed_beginning as (
    -- Receivables at the period start rebuilt from invoices: those dated by then (undated ones
    -- are taken as older), today's balance plus the cash applied since, at most the amount.
    select
        grains.office,
        grains.collector,
        grains.currency,
        grains.is_all_collectors,
        cast(coalesce(sum(least(
            scoped.amount, scoped.balance + coalesce(applied_after_period_start.applied_amount, 0)
        )), 0) as decimal(18, 2)) as beginning_ar
    from grains
    cross join dates
    left join scoped
        on grains.office = scoped.office
        and grains.collector = scoped.collector
        and grains.currency = scoped.currency
        and grains.is_all_collectors = scoped.is_all_collectors
        and (scoped.invoice_date <= dates.period_start or scoped.invoice_date is null)
    left join applied_after_period_start on scoped.invoice_key = applied_after_period_start.invoice_key
    group by grains.office, grains.collector, grains.currency, grains.is_all_collectors
),

{%- if is_incremental() %}

recorded_beginning as (
    -- The same grain's open AR as recorded by the run for the period start date.
    select
        previous.office,
        previous.collector,
        previous.currency,
        previous.is_all_collectors,
        previous.open_ar as beginning_ar
    from {{ this }} as previous
    inner join dates on previous.as_of_date = dates.period_start
),
{%- endif %}

beginning as (
    select
        reconstructed_beginning.office,
        reconstructed_beginning.collector,
        reconstructed_beginning.currency,
        reconstructed_beginning.is_all_collectors,
        {%- if is_incremental() %}
        coalesce(recorded_beginning.beginning_ar, reconstructed_beginning.beginning_ar) as beginning_ar,
        case when recorded_beginning.beginning_ar is null then 'reconstructed' else 'recorded' end
            as beginning_ar_source
        {%- else %}
        reconstructed_beginning.beginning_ar,
        'reconstructed' as beginning_ar_source
        {%- endif %}
    from reconstructed_beginning
    {%- if is_incremental() %}
    left join recorded_beginning using (office, collector, currency, is_all_collectors)
    {%- endif %}
),

period_sales as (
    select
        grains.office,
        grains.collector,
        grains.currency,
        grains.is_all_collectors,
        cast(coalesce(sum(scoped.amount), 0) as decimal(18, 2)) as period_credit_sales
    from grains
    cross join dates
    left join scoped
        on grains.office = scoped.office
        and grains.collector = scoped.collector
        and grains.currency = scoped.currency
        and grains.is_all_collectors = scoped.is_all_collectors
        and scoped.invoice_date > dates.period_start
        and scoped.invoice_date <= dates.as_of_date
    group by grains.office, grains.collector, grains.currency, grains.is_all_collectors
)

select
    dates.as_of_date,
    receivables.office,
    receivables.collector,
    receivables.currency,
    receivables.is_all_collectors,
    receivables.open_ar,
    receivables.past_due_ar,
    cast(receivables.open_ar - receivables.past_due_ar as decimal(18, 2)) as current_ar,
    {{ kpi_ratio('receivables.open_ar - receivables.past_due_ar', 'receivables.open_ar', 4) }} as share_current,
    days_sales_outstanding.countback_sales,
    days_sales_outstanding.dso,
    days_sales_outstanding.best_possible_dso,
    cast(days_sales_outstanding.dso - days_sales_outstanding.best_possible_dso as decimal(18, 2))
        as average_days_delinquent,
    days_sales_outstanding.is_dso_capped,
    dates.period_start as cei_period_start_on,
    beginning.beginning_ar,
    beginning.beginning_ar_source,
    period_sales.period_credit_sales,
    {{ kpi_ratio(
        '100 * (beginning.beginning_ar + period_sales.period_credit_sales - receivables.open_ar)',
        'beginning.beginning_ar + period_sales.period_credit_sales - (receivables.open_ar - receivables.past_due_ar)',
        2,
    ) }} as collection_effectiveness_index
from receivables
cross join dates
inner join days_sales_outstanding using (office, collector, currency, is_all_collectors)
inner join beginning using (office, collector, currency, is_all_collectors)
inner join period_sales using (office, collector, currency, is_all_collectors)
