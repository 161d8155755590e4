{#- Every listed column is filled in on every row: one scan of the model for all of them (a
    not_null test per column was a dbt node, a query and a Dagster check event each, run after
    run). A failing row names the column and how many rows lack it. -#}
{% test filled(model, columns) %}
{{ rows_breaking_per_column(model, columns, '{column} is null', 'rows_without_it') }}
{% endtest %}
