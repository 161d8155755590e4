{# The sum of the `contribution` fields of a drivers JSON list. DuckDB JSON path and list
   functions: a server warehouse overrides this one macro. #}
{% macro risk_contribution_sum(drivers) -%}
    coalesce(list_sum(cast(json_extract({{ drivers }}, '$[*].contribution') as double[])), 0)
{%- endmacro %}
