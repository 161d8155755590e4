{#
  Engine-specific SQL, one named macro per construct (shared/STYLE.md): `default__` is the DuckDB
  warehouse's SQL, `postgres__` the PostgreSQL warehouse's. Models call the macro, never the
  construct. What both engines spell alike (array[...], cardinality, array_agg, string_agg,
  distinct on, `date - date`, `= any(...)`) is written plainly in the models.
#}

{# One value of `expression` in each group, where every row of the group holds the same one
   (PostgreSQL 15 has no any_value). #}
{% macro ll_any_value(expression) -%}
    {{ return(adapter.dispatch('ll_any_value', 'ledgerloop')(expression)) }}
{%- endmacro %}

{% macro default__ll_any_value(expression) -%}
    any_value({{ expression }})
{%- endmacro %}

{% macro postgres__ll_any_value(expression) -%}
    (array_agg({{ expression }}))[1]
{%- endmacro %}

{# A DOUBLE rounded to `digits` decimals (none: to a whole number) half away from zero, as DuckDB
   rounds (std::round(x * 10^digits) / 10^digits); PostgreSQL's round(double precision) rounds
   halves to even and takes no digits. #}
{% macro ll_round_double(value, digits=none) -%}
    {{ return(adapter.dispatch('ll_round_double', 'ledgerloop')(value, digits)) }}
{%- endmacro %}

{% macro default__ll_round_double(value, digits=none) -%}
    round({{ value }}{% if digits is not none %}, {{ digits }}{% endif %})
{%- endmacro %}

{% macro postgres__ll_round_double(value, digits=none) -%}
    {%- if digits is none -%}
    (trunc({{ value }}) + case when abs(({{ value }}) - trunc({{ value }})) >= 0.5 then sign({{ value }}) else 0 end)
    {%- else -%}
    {%- set scaled = '(cast(' ~ value ~ ' as double precision) * ' ~ (10 ** digits) ~ ')' -%}
    ((trunc({{ scaled }}) + case when abs({{ scaled }} - trunc({{ scaled }})) >= 0.5 then sign({{ scaled }}) else 0 end)
        / {{ 10 ** digits }})
    {%- endif -%}
{%- endmacro %}

{# A 60-bit-or-wider number from the values of one row, to sum into a fingerprint of a set of
   rows (a sum, not a xor: two equal rows count twice). Each engine hashes its own way, so a
   fingerprint compares only with one the same engine made. #}
{% macro ll_row_hash(values) -%}
    {{ return(adapter.dispatch('ll_row_hash', 'ledgerloop')(values)) }}
{%- endmacro %}

{% macro default__ll_row_hash(values) -%}
    cast(hash({{ values | join(', ') }}) as hugeint)
{%- endmacro %}

{% macro postgres__ll_row_hash(values) -%}
    cast(cast(('x' || left(md5(cast(row({{ values | join(', ') }}) as text)), 15)) as bit(60)) as bigint)
{%- endmacro %}
