{#
  Cash-application helpers: the patterns and rules of reading remittances and party names.
  Patterns are written in DuckDB's regex dialect (RE2) and pass through `ll_regex()`; the list
  and JSON functions each engine spells its own way are in `portable/payments.sql`.
#}

{#
  Remittance text ready for reading invoice numbers: capitals, and what only looks like an
  invoice number replaced by a stop mark ` ~ ` that also ends any list: PO numbers
  (`PO 123`, `PO#123`, `P.O. 45000123`), dates (`11/10/2026`, `10.11.2026`, `2026-11-10`) and
  amounts (`1,234.56`, `1.234,56`, `99.50`).
#}
{% macro remittance_text(column) -%}
    {%- set po_number -%}
        \bP\.?\s?O\.?\s*(?:NO\b\.?|NUMBER|NR\b\.?)?\s*[#:\-]?\s*[0-9][0-9\-]*
    {%- endset -%}
    {%- set date -%}
        \b[0-9]{1,4}[./\-][0-9]{1,2}[./\-][0-9]{2,4}\b
    {%- endset -%}
    {%- set amount -%}
        \b[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]{2}\b|\b[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]{2}\b|\b[0-9]+\.[0-9]{2}\b
    {%- endset -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                {{ ll_upper("coalesce(" ~ column ~ ", '')") }},
                '{{ ll_regex(po_number) }}', ' ~ ', 'g'),
            '{{ ll_regex(date) }}', ' ~ ', 'g'),
        '{{ ll_regex(amount) }}',
        ' ~ ', 'g')
{%- endmacro %}

{# An invoice marker: `INV`, `INV-`, `Invoice no.`, `Invoices`, `Inv#`, `#`. #}
{% macro invoice_marker_pattern() -%}
    (?:\bINV(?:OICE)?S?(?:\s*(?:NO|NR|NUM|NUMBER)S?\b\.?)?|(?:^|[^A-Z0-9])#)\s*[#:.\-]?\s*
{%- endmacro %}

{# An invoice number in a reference: digits, hyphenated groups one number (`2026-000001`). #}
{% macro invoice_number_pattern() -%}
    [0-9]+(?:-[0-9]+)*
{%- endmacro %}

{#
  Invoice numbers named in `remittance_text()` with an invoice marker, normalized like
  `normalize_invoice_number()`: `INV-00123`, `inv 123`, `#123`, `INV123`, `Invoice no. 123`,
  several in one line. Bare numbers (amounts, project codes) never count here. Returns the
  distinct numbers, sorted.
#}
{% macro extract_invoice_references(text) -%}
    {%- set reference -%}
        {{ invoice_marker_pattern() }}({{ invoice_number_pattern() }})\b
    {%- endset -%}
    {{ ll_invoice_references(text, reference) }}
{%- endmacro %}

{#
  Bare numbers listed after a marked one with the marker written once (`INV 100, 101 and 102`,
  `Invoices 123/124/125`, `inv 1 & 2`, `Inv# 55;56`): a list is joined by `,` `;` `/` `&` `+`
  or `and`, never by spaces alone, and ends at anything else (a word, a PO number, a date, an
  amount). Returns the distinct numbers not already in `references`, sorted. They are only
  candidates: the reference rules decide whether each one is an invoice reference.
#}
{% macro extract_listed_invoice_numbers(text, references) -%}
    {%- set listing -%}
        {{ invoice_marker_pattern() }}{{ invoice_number_pattern() }}(?:(?:\s*(?:[,;/&+]|\bAND\b))+\s*#?\s*{{ invoice_number_pattern() }})*\b
    {%- endset -%}
    {{ ll_listed_invoice_numbers(text, listing, invoice_number_pattern(), references) }}
{%- endmacro %}

{# A party name as banks print it: capitals, `.`/`,`/`'` dropped, other punctuation a space. #}
{% macro clean_party_name(column) -%}
    {%- set not_letter_or_digit -%} [^\p{L}\p{N}]+ {%- endset -%}
    nullif(trim(regexp_replace(
        regexp_replace({{ ll_upper(column) }}, '[.,''’]', '', 'g'),
        '{{ ll_regex(not_letter_or_digit) }}', ' ', 'g')), '')
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

{# `amount` or `percent` of the policy's `matching.short_pay_tolerance`. #}
{% macro short_pay_tolerance(name) -%}
    {{- return(policy_value('matching', 'short_pay_tolerance', name)) -}}
{%- endmacro %}

{# A JSON array of invoice keys, for the exception queue's `candidates`. #}
{% macro json_list(column) -%}
    {{ ll_to_json(column) }}
{%- endmacro %}
