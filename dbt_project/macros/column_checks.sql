{#- The rows of a model breaking a per-column rule, counted for every listed column in one scan:
    one row per failing column (`column_name`, and how many rows break it as `counted_as`).
    `breaks` is the rule's failing condition with `{column}` for the column. -#}
{% macro rows_breaking_per_column(model, columns, breaks, counted_as) %}
with counted as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ breaks | replace('{column}', column) }}) as {{ adapter.quote(column) }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select '{{ column }}' as column_name, {{ adapter.quote(column) }} as {{ counted_as }}
from counted where {{ adapter.quote(column) }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}
{% endmacro %}
