{#
  Engine-specific SQL of the invoice, ledger and risk models (see core.sql for the rule): one
  macro per construct, `default__` the DuckDB warehouse's SQL as it was, `postgres__` the same
  result on PostgreSQL.
#}

{# The strings of a JSON array, sorted (byte order, nulls last), as a text list. #}
{% macro ll_json_strings_sorted(json_array) -%}
    {{ return(adapter.dispatch('ll_json_strings_sorted', 'ledgerloop')(json_array)) }}
{%- endmacro %}

{% macro default__ll_json_strings_sorted(json_array) -%}
    list_sort(cast(json_extract_string({{ json_array }}, '$[*]') as varchar []))
{%- endmacro %}

{% macro postgres__ll_json_strings_sorted(json_array) -%}
    array(
        select elements.value
        from jsonb_array_elements_text(cast({{ json_array }} as jsonb)) as elements (value)
        order by elements.value collate "C"
    )
{%- endmacro %}

{# One row per integer in [start, stop) for each input row, as a select-list expression. #}
{% macro ll_integer_rows(start, stop) -%}
    {{ return(adapter.dispatch('ll_integer_rows', 'ledgerloop')(start, stop)) }}
{%- endmacro %}

{% macro default__ll_integer_rows(start, stop) -%}
    unnest(range({{ start }}, {{ stop }}))
{%- endmacro %}

{% macro postgres__ll_integer_rows(start, stop) -%}
    generate_series({{ start }}, ({{ stop }}) - 1)
{%- endmacro %}

{# One row per month start from `start` up to `stop` (timestamps), as a select-list expression. #}
{% macro ll_monthly_rows(start, stop) -%}
    {{ return(adapter.dispatch('ll_monthly_rows', 'ledgerloop')(start, stop)) }}
{%- endmacro %}

{% macro default__ll_monthly_rows(start, stop) -%}
    unnest(generate_series({{ start }}, {{ stop }}, interval 1 month))
{%- endmacro %}

{% macro postgres__ll_monthly_rows(start, stop) -%}
    generate_series({{ start }}, {{ stop }}, interval '1 month')
{%- endmacro %}

{# The sum of one numeric field of the objects of a JSON array (0 when none). #}
{% macro ll_json_field_sum(json_array, field) -%}
    {{ return(adapter.dispatch('ll_json_field_sum', 'ledgerloop')(json_array, field)) }}
{%- endmacro %}

{% macro default__ll_json_field_sum(json_array, field) -%}
    coalesce(list_sum(cast(json_extract({{ json_array }}, '$[*].{{ field }}') as double[])), 0)
{%- endmacro %}

{% macro postgres__ll_json_field_sum(json_array, field) -%}
    coalesce((
        select sum(cast(elements.value ->> '{{ field }}' as double precision))
        from jsonb_array_elements(cast({{ json_array }} as jsonb)) as elements (value)
    ), 0)
{%- endmacro %}

{# Whether the whole string matches the regular expression, case-insensitively. #}
{% macro ll_regexp_full_match_ci(value, pattern) -%}
    {{ return(adapter.dispatch('ll_regexp_full_match_ci', 'ledgerloop')(value, pattern)) }}
{%- endmacro %}

{% macro default__ll_regexp_full_match_ci(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern }}', 'i')
{%- endmacro %}

{% macro postgres__ll_regexp_full_match_ci(value, pattern) -%}
    ({{ value }} ~* '^(?:{{ pattern }})$')
{%- endmacro %}
