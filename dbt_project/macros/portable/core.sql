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
