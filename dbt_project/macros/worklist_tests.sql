{# Data test: the points of a row's drivers (JSON list) add up to its priority score exactly. #}
{% test worklist_drivers_sum_to_score(model, drivers='drivers', score='priority_score') %}
    select *
    from {{ model }}
    where coalesce(
        list_sum(list_transform(
            from_json({{ drivers }}, '[{"points": "DECIMAL(18,2)"}]'), lambda driver: driver.points
        )),
        0
    ) <> {{ score }}
{% endtest %}
