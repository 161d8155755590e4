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
