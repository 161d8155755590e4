{#
  The identity of an invoice number as customers and spreadsheets mangle it (DESIGN §4):
  case, spaces, punctuation, an `INV` or `#` prefix and leading zeros do not count, so
  `INV-000123`, `inv 123`, `#123` and `0000123` are all `123`. DuckDB regex; a server
  warehouse overrides this one macro.
#}
{% macro normalize_invoice_number(column) -%}
    nullif(
        ltrim(
            regexp_replace(
                regexp_replace(upper({{ column }}), '[^A-Z0-9]', '', 'g'),
                '^INV', ''),
            '0'),
        '')
{%- endmacro %}

{# The ledger key of an invoice: the office and the normalized number (`NYC:123`). #}
{% macro invoice_key(office, invoice_number) -%}
    {{ office }} || ':' || coalesce({{ normalize_invoice_number(invoice_number) }}, '0')
{%- endmacro %}

{#
  An invoice number as the office writes it on every page, file and message people read
  (policy `offices[].invoice_display`, passed as var `invoice_display`: prefix, zero-padded
  width, suffix per office code): `inv 200123`, `#200123` and `0000200123` of NYC all read
  `INV-00200123`. The one place that decides the display; `ar_ledger.display_number` carries
  it to every consumer. An office without a format shows the normalized number.
#}
{% macro display_invoice_number(office, invoice_number) -%}
    {%- set number = 'coalesce(' ~ normalize_invoice_number(invoice_number) ~ ", '0')" -%}
    {%- set formats = policy('invoice_display') -%}
    case
        {%- for code, display in formats.items() %}
        when {{ office }} = '{{ code | replace("'", "''") }}' then
            '{{ display['prefix'] | replace("'", "''") }}'
            {%- if display['width'] %}
            || case
                when length({{ number }}) < {{ display['width'] | int }}
                    then lpad({{ number }}, {{ display['width'] | int }}, '0')
                else {{ number }}
            end
            {%- else %}
            || {{ number }}
            {%- endif %}
            || '{{ display['suffix'] | replace("'", "''") }}'
        {%- endfor %}
        else {{ number }}
    end
{%- endmacro %}
