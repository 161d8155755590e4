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
