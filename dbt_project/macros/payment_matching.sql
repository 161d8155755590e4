{#
  Cash-application helpers (DuckDB regex and list functions; a server warehouse overrides
  these macros, not the models).
#}

{#
  Invoice numbers named in remittance text, normalized like `normalize_invoice_number()`:
  `INV-00123`, `inv 123`, `#123`, `INV123`, `Invoice no. 123`, several in one line. Only a
  number with an invoice marker counts: PO numbers (`PO 123`, `PO#123`, `P.O. 45000123`) and
  dates (`11/10/2026`, `10.11.2026`, `2026-11-10`) are removed first, and bare numbers
  (amounts, project codes) never count. Returns the distinct numbers, sorted.
#}
{% macro extract_invoice_references(column) -%}
    list_sort(list_distinct(list_transform(
        regexp_extract_all(
            regexp_replace(
                regexp_replace(
                    upper(coalesce({{ column }}, '')),
                    '\bP\.?\s?O\.?\s*(?:NO\b\.?|NUMBER|NR\b\.?)?\s*[#:\-]?\s*[0-9][0-9\-]*', ' ', 'g'),
                '\b[0-9]{1,4}[./\-][0-9]{1,2}[./\-][0-9]{2,4}\b', ' ', 'g'),
            '(?:\bINV(?:OICE)?S?(?:\s*(?:NO|NR|NUM|NUMBER)\b\.?)?|(?:^|[^A-Z0-9])#)\s*[#:.\-]?\s*([0-9]+)\b',
            1),
        lambda reference: {{ normalize_invoice_number('reference') }}
    )))
{%- endmacro %}

{# A party name as banks print it: capitals, `.`/`,`/`'` dropped, other punctuation a space. #}
{% macro clean_party_name(column) -%}
    nullif(trim(regexp_replace(
        regexp_replace(upper({{ column }}), '[.,''’]', '', 'g'),
        '[^\p{L}\p{N}]+', ' ', 'g')), '')
{%- endmacro %}

{# The identity of a payer or account name: cleaned, legal-form suffixes (`Inc.`, `LLC`,
   `Ltd`, `GmbH & Co. KG`, ...) and a leading `THE` removed. #}
{% macro normalize_party_name(column) -%}
    nullif(trim(regexp_replace(
        regexp_replace(' ' || {{ clean_party_name(column) }}, '^ THE ', ' '),
        '(?: (?:{{ legal_suffixes() | join("|") }}))+$', '')), '')
{%- endmacro %}

{% macro legal_suffixes() -%}
    {{ return(var('legal_suffixes', [
        'INC', 'INCORPORATED', 'LLC', 'L L C', 'CORP', 'CORPORATION', 'CO', 'COMPANY', 'LLP',
        'LP', 'L P', 'LTD', 'LIMITED', 'PLC', 'GMBH', 'AG', 'KG', 'SE', 'SA', 'SARL', 'BV',
        'NV', 'PTY', 'SRL', 'SPA', 'OY', 'AB'])) }}
{%- endmacro %}

{# A matching setting from ledgerloop.yaml (`matching:`), as Python passes it in `--vars`. #}
{% macro matching_setting(name, default) -%}
    {%- set matching = var('matching', {}) or {} -%}
    {{- return(matching.get(name, default)) -}}
{%- endmacro %}

{% macro short_pay_tolerance(name, default) -%}
    {%- set tolerance = matching_setting('short_pay_tolerance', {}) or {} -%}
    {{- return(tolerance.get(name, default)) -}}
{%- endmacro %}

{# A JSON array of invoice keys, for the exception queue's `candidates`. #}
{% macro json_list(column) -%}
    to_json({{ column }})
{%- endmacro %}
