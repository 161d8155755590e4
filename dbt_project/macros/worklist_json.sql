{# The drivers of a priority score as a JSON list of {driver, value, points}, leaving out the
   drivers that add no points. DuckDB list and struct functions: a server warehouse overrides
   this one macro. `drivers` is a list of (name, value expression, points expression). #}
{% macro worklist_drivers_json(drivers) -%}
    to_json(list_filter([
        {%- for name, value, points in drivers %}
        {'driver': '{{ name }}', 'value': cast({{ value }} as varchar), 'points': {{ points }}}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], lambda driver: driver.points <> 0))
{%- endmacro %}

{# The invoice keys named in an exception's `candidates` JSON (a list of objects with an
   `invoice_key`; a list of payment ids for a possible duplicate gives none). DuckDB JSON path. #}
{% macro worklist_json_invoice_keys(candidates) -%}
    json_extract_string({{ candidates }}, '$[*].invoice_key')
{%- endmacro %}

{# An account's drivers as a JSON list of {driver, label, points}, largest first, leaving out
   those that add no points: `label` is what the collector reads ("3 invoices 61–90 days, USD
   28,974.39"), `driver` a stable name for programs. `drivers` is a list of (name, label
   expression, points expression). DuckDB list and struct functions. #}
{% macro worklist_account_drivers_json(drivers) -%}
    to_json(list_sort(list_filter([
        {%- for name, label, points in drivers %}
        {'points': {{ points }}, 'driver': '{{ name }}', 'label': {{ label }}}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], lambda driver: driver.points <> 0), 'DESC'))
{%- endmacro %}
