{#- None of the listed columns is below zero on any row, in one scan of the model. A failing row
    names the column and how many rows are negative. -#}
{% test non_negative(model, columns) %}
{{ rows_breaking_per_column(model, columns, '{column} < 0', 'rows_below_zero') }}
{% endtest %}
