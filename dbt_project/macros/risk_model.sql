{# The sum of the `contribution` fields of a drivers JSON list. #}
{% macro risk_contribution_sum(drivers) -%}
    {{ ll_json_field_sum(drivers, 'contribution') }}
{%- endmacro %}
