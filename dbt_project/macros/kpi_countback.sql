{# A `kpis` setting from the policy (`Policy.dbt_vars()`); the defaults mirror ledgerloop.yaml's. #}
{% macro kpi_setting(name) -%}
    {%- set defaults = {'countback_months': 12, 'cei_period_days': 30} -%}
    {{ return(var('kpis', {}).get(name, defaults[name])) }}
{%- endmacro %}

{#
  Days that one invoice month adds to DSO by countback. Months are walked back from the as-of
  date; `sales_before` is the credit sales of the months already walked. Receivables that the
  earlier months absorbed add nothing; receivables that cover this month's sales add all its
  days; the month where they run out adds its days in proportion to the sales they consume.
#}
{% macro kpi_countback_days(receivables, sales, sales_before, days) -%}
    case
        when {{ receivables }} <= {{ sales_before }} then 0
        when {{ receivables }} >= {{ sales_before }} + {{ sales }} then {{ days }}
        else ({{ receivables }} - {{ sales_before }}) * {{ days }} / {{ sales }}
    end
{%- endmacro %}

{# numerator / denominator rounded to `scale` decimals; null when the denominator is zero. #}
{% macro kpi_ratio(numerator, denominator, scale) -%}
    cast(round(({{ numerator }}) / nullif({{ denominator }}, 0), {{ scale }}) as decimal(18, {{ scale }}))
{%- endmacro %}
