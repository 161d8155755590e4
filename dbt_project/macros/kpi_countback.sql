{# A `kpis` setting of the policy (a number of months or days). #}
{% macro kpi_setting(name) -%}
    {{ return(policy_int('kpis', name)) }}
{%- endmacro %}

{#
  Days that one invoice month adds to DSO by countback. Months are walked back from the as-of
  date; `sales_before` is the credit sales of the months already walked. Receivables that the
  earlier months absorbed add nothing; receivables that cover this month's sales add all its
  days; the month where they run out adds its days in proportion to the sales they consume (a
  DOUBLE, as DuckDB divides decimals).
#}
{% macro kpi_countback_days(receivables, sales, sales_before, days) -%}
    case
        when {{ receivables }} <= {{ sales_before }} then 0
        when {{ receivables }} >= {{ sales_before }} + {{ sales }} then {{ days }}
        else {{ ll_divide_as_double('(' ~ receivables ~ ' - ' ~ sales_before ~ ') * ' ~ days, sales) }}
    end
{%- endmacro %}

{# The countback months, newest first: `select 0 as month_offset union all ...`, as many as the
   policy's `kpis.countback_months`. #}
{% macro kpi_countback_offsets() -%}
    {%- for offset in range(kpi_setting('countback_months')) %}
    select {{ offset }} as month_offset
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#
  DSO and best possible DSO by countback, one row per grain (the columns named in `grain`).
  `months` is a relation of one row per grain and countback month: the grain's columns,
  `month_offset` (0 the newest month), `month_days`, `credit_sales`, and the grain's `open_ar`
  and `current_ar`. Also the sales counted back through (`countback_sales`), whether the
  receivables outlast them (`is_dso_capped`), and the newest month's sales (`month_credit_sales`).
#}
{% macro kpi_days_sales_outstanding(months, grain) -%}
    {%- set keys = grain | join(', ') -%}
    select
        {{ keys }},
        cast({{ ll_round_double('sum(' ~ kpi_countback_days('open_ar', 'credit_sales', 'sales_before', 'month_days') ~ ')', 2) }}
            as decimal(18, 2)) as dso,
        cast({{ ll_round_double('sum(' ~ kpi_countback_days('current_ar', 'credit_sales', 'sales_before', 'month_days') ~ ')', 2) }}
            as decimal(18, 2)) as best_possible_dso,
        cast(sum(credit_sales) as decimal(18, 2)) as countback_sales,
        max(open_ar) > sum(credit_sales) as is_dso_capped,
        cast(sum(credit_sales) filter (where month_offset = 0) as decimal(18, 2)) as month_credit_sales
    from (
        select
            *,
            coalesce(sum(credit_sales) over (
                partition by {{ keys }}
                order by month_offset
                rows between unbounded preceding and 1 preceding
            ), 0) as sales_before
        from {{ months }}
    ) as countback
    group by {{ keys }}
{%- endmacro %}

{# numerator / denominator (as a DOUBLE) rounded to `scale` decimals; null when the denominator is zero. #}
{% macro kpi_ratio(numerator, denominator, scale) -%}
    cast({{ ll_round_double(ll_divide_as_double('(' ~ numerator ~ ')', 'nullif(' ~ denominator ~ ', 0)'), scale) }}
        as decimal(18, {{ scale }}))
{%- endmacro %}
