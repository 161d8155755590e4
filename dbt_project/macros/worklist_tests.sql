{# Data test: the points of a row's drivers (JSON list) add up to its priority score exactly. #}
{% test worklist_drivers_sum_to_score(model, drivers='drivers', score='priority_score') %}
    select *
    from {{ model }}
    where coalesce({{ ll_json_points_sum(drivers) }}, 0) <> {{ score }}
{% endtest %}
