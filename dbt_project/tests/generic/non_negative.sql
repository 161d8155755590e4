{#- None of the listed columns is below zero on any row, in one scan of the model. A failing row
    names the column and how many rows are negative. -#}
{% test non_negative(model, columns) %}
with negative as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ column }} < 0) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select '{{ column }}' as column_name, {{ adapter.quote(column) }} as rows_below_zero
 from negative where {{ adapter.quote(column) }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}
{% endtest %}
