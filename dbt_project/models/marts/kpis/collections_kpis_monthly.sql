-- Collections KPIs per month-end, office and currency, rebuilt from the invoice payment history
-- (the ledger's invoices and any history exported from another system), so a team sees DSO,
-- best possible DSO, ADD and CEI over its past after only a column mapping. Receivables at a
-- month-end are the invoices dated by then and not settled by then, at their full amount
-- (a history export carries no part payments). Currencies are never mixed.

with invoices as (
    select
        office,
        coalesce(currency, '(unknown)') as currency,
        invoice_date,
        due_on,
        amount,
        settled_on
    from {{ ref('int_invoice_payment_history') }}
    where invoice_date is not null and office is not null
),

run as (
    select {{ as_of_date() }} as as_of
),

month_ends as (
    -- Every month from the first invoice's month whose end is before the run's as-of date.
    select
        month_ends.month_end,
        cast({{ dbt.date_trunc('month', 'month_ends.month_end') }} as date) as month_start
    from ({{ month_ends_between(
        "(select cast(" ~ dbt.date_trunc('month', 'min(invoice_date)') ~ " as date) from invoices)",
        '(select as_of from run)'
    ) }}) as month_ends
),

grains as (
    select
        grain.office,
        grain.currency,
        month_ends.month_end,
        month_ends.month_start
    from (
        select
            office,
            currency,
            min(invoice_date) as first_invoice_on
        from invoices
        group by office, currency
    ) as grain
    inner join month_ends on grain.first_invoice_on <= month_ends.month_end
),

receivables as (
    -- Open at each month-end, and open at the end of the month before (CEI's beginning).
    select
        grains.office,
        grains.currency,
        grains.month_end,
        cast(coalesce(sum(invoices.amount) filter (
            where invoices.invoice_date <= grains.month_end
            and coalesce(invoices.settled_on, {{ far_future() }}) > grains.month_end
        ), 0) as decimal(18, 2)) as open_ar,
        cast(coalesce(sum(invoices.amount) filter (
            where invoices.invoice_date <= grains.month_end
            and coalesce(invoices.settled_on, {{ far_future() }}) > grains.month_end
            and invoices.due_on < grains.month_end
        ), 0) as decimal(18, 2)) as past_due_ar,
        cast(coalesce(sum(invoices.amount) filter (
            where invoices.invoice_date < grains.month_start
            and coalesce(invoices.settled_on, {{ far_future() }}) >= grains.month_start
        ), 0) as decimal(18, 2)) as beginning_ar
    from grains
    left join invoices
        on grains.office = invoices.office
        and grains.currency = invoices.currency
        and invoices.invoice_date <= grains.month_end
        and coalesce(invoices.settled_on, {{ far_future() }}) >= grains.month_start
    group by grains.office, grains.currency, grains.month_end
),

sales_by_month as (
    select
        office,
        currency,
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start,
        sum(amount) as credit_sales
    from invoices
    group by office, currency, cast({{ dbt.date_trunc('month', 'invoice_date') }} as date)
),

countback_months as (
    -- The months DSO counts back through from each month-end: that month, then the ones before.
    select
        grains.office,
        grains.currency,
        grains.month_end,
        offsets.month_offset,
        cast({{ dbt.dateadd('month', '-offsets.month_offset', 'grains.month_start') }} as date) as month_start
    from grains
    cross join ({{ kpi_countback_offsets() }}) as offsets
),

countback as (
    select
        countback_months.office,
        countback_months.currency,
        countback_months.month_end,
        countback_months.month_offset,
        {{ dbt.datediff(
            'countback_months.month_start',
            dbt.dateadd('month', 1, 'countback_months.month_start'),
            'day') }} as month_days,
        cast(coalesce(sales_by_month.credit_sales, 0) as decimal(18, 2)) as credit_sales
    from countback_months
    left join sales_by_month
        on countback_months.office = sales_by_month.office
        and countback_months.currency = sales_by_month.currency
        and countback_months.month_start = sales_by_month.month_start
),

countback_receivables as (
    select
        countback.*,
        receivables.open_ar,
        receivables.open_ar - receivables.past_due_ar as current_ar
    from countback
    inner join receivables using (office, currency, month_end)
),

days_sales_outstanding as (
    {{ kpi_days_sales_outstanding('countback_receivables', ['office', 'currency', 'month_end']) }}
)

select
    receivables.month_end,
    receivables.office,
    receivables.currency,
    receivables.open_ar,
    receivables.past_due_ar,
    cast(receivables.open_ar - receivables.past_due_ar as decimal(18, 2)) as current_ar,
    days_sales_outstanding.month_credit_sales,
    days_sales_outstanding.countback_sales,
    days_sales_outstanding.dso,
    days_sales_outstanding.best_possible_dso,
    cast(days_sales_outstanding.dso - days_sales_outstanding.best_possible_dso as decimal(18, 2))
        as average_days_delinquent,
    days_sales_outstanding.is_dso_capped,
    receivables.beginning_ar,
    {{ kpi_ratio(
        '100 * (receivables.beginning_ar + days_sales_outstanding.month_credit_sales - receivables.open_ar)',
        'receivables.beginning_ar + days_sales_outstanding.month_credit_sales'
            ~ ' - (receivables.open_ar - receivables.past_due_ar)',
        2,
    ) }} as collection_effectiveness_index
from receivables
inner join days_sales_outstanding using (office, currency, month_end)
