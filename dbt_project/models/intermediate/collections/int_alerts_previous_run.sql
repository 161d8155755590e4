-- The previous as-of date `marts.alerts` ran for: the newest `as_of` it holds before this run's
-- (read before the alerts model appends this run's alerts), else the day before the as-of date
-- (the first run), so that crossings are judged since then. `marts.alerts` is read by name, not
-- by ref: it is built after this model, from it.

{%- set alerts_relation = none -%}
{%- if execute -%}
    {%- set alerts_relation = adapter.get_relation(database=target.database, schema='marts', identifier='alerts') -%}
{%- endif %}

select
    {% if alerts_relation is not none -%}
        coalesce(
            (
                select max(existing.as_of)
                from {{ alerts_relation }} as existing
                where existing.as_of < {{ as_of_date() }}
            ),
            cast({{ as_of_date() }} - 1 as date)
        )
    {%- else -%}
        cast({{ as_of_date() }} - 1 as date)
    {%- endif %} as previous_as_of,
    {{ as_of_date() }} as as_of
