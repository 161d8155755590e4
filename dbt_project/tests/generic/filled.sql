{#- Every listed column is filled in on every row: one scan of the model for all of them (a
    not_null test per column was a dbt node, a query and a Dagster check event each, run after
    run). A failing row names the column and how many rows lack it. -#}
{% test filled(model, columns) %}
with missing as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select '{{ column }}' as column_name, {{ adapter.quote(column) }} as rows_without_it
 from missing where {{ adapter.quote(column) }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}
{% endtest %}
