{# A `risk` setting of the policy that the features use (a number of days or invoices). #}
{% macro risk_setting(name) -%}
    {{ return(policy_int('risk', name)) }}
{%- endmacro %}

{#
  The calendar date in the team's time zone (the policy's `timezone`) of a UTC timestamp
  (without time zone). DuckDB (ICU) and PostgreSQL spell `timezone()` alike.
#}
{% macro utc_to_local_date(timestamp) -%}
    cast(timezone('{{ policy("timezone") }}', timezone('UTC', {{ timestamp }})) as date)
{%- endmacro %}

{#
  One row per month-end (`month_end`) of the months starting from `first_month` (a date on the
  first of a month) whose end falls before `before`.
#}
{% macro month_ends_between(first_month, before) -%}
    select cast(month_start + interval '1 month' - interval '1 day' as date) as month_end
    from (
        select {{ ll_monthly_rows(
            'cast(' ~ first_month ~ ' as timestamp)', 'cast(' ~ before ~ ' as timestamp)'
        ) }} as month_start
    ) as months
    where cast(month_start + interval '1 month' - interval '1 day' as date) < {{ before }}
{%- endmacro %}

{# Open ends of date ranges, so range joins stay plain inequalities (no `is null or`). #}
{% macro far_future() -%} cast('9999-12-31' as date) {%- endmacro %}
{% macro far_past() -%} cast('0001-01-01' as date) {%- endmacro %}

{# One row per integer in [start, stop) for each input row, as column `i`. #}
{% macro index_series(start, stop) -%}
    {{ ll_integer_rows(start, stop) }}
{%- endmacro %}

{#
  Index of the first as-of date of the feature grid on or after `day` (the grid is the month-ends
  from `first_month` on, index 0, then the run's as-of date at `current_index`): the months from
  `first_month` to `day`, at least 0 and at most `current_index`; null when `day` is after the
  run's as-of date (never on or before a grid date). So `day <= grid date i` exactly when this
  index is not null and <= i. A bigint on both engines (PostgreSQL's month datediff is a double).
#}
{% macro grid_index(day, params='params') -%}
    case
        when {{ day }} <= {{ params }}.as_of then least(
            {{ params }}.current_index,
            greatest(0, cast({{ dbt.datediff(params ~ '.first_month', day, 'month') }} as bigint))
        )
    end
{%- endmacro %}
