{#
  Engine-specific SQL of cash application (payments area), one named macro per construct
  (shared/STYLE.md): `default__` is the DuckDB warehouse's SQL, `postgres__` the PostgreSQL
  warehouse's. The patterns and rules stay in `payment_matching.sql`; these hold only how each
  engine spells them.
#}

{#
  A regular expression written for DuckDB (RE2) in the engine's dialect. PostgreSQL's ARE
  reads `\b` as a backspace (its word boundary is `\y`) and has no `\p{..}` classes: a letter
  is `[:alpha:]`, a digit `[:digit:]` (classes follow the database's LC_CTYPE; C.UTF-8 and
  the usual UTF-8 locales know non-ASCII letters). The patterns here never depend on the
  engines' other difference (ARE takes the longest match where RE2 takes the first
  alternative): their alternatives never match at the same place.
#}
{% macro ll_regex(pattern) -%}
    {{ return(adapter.dispatch('ll_regex', 'ledgerloop')(pattern)) }}
{%- endmacro %}

{% macro default__ll_regex(pattern) -%}
    {{ pattern }}
{%- endmacro %}

{% macro postgres__ll_regex(pattern) -%}
    {{ pattern | replace('\\b', '\\y') | replace('\\p{L}', '[:alpha:]') | replace('\\p{N}', '[:digit:]') }}
{%- endmacro %}

{#
  The invoice numbers captured by group 1 of every match of `pattern` in `text`, normalized
  (`normalize_invoice_number()`), distinct, without nulls, sorted (as bytes). A list.
#}
{% macro ll_invoice_references(text, pattern) -%}
    {{ return(adapter.dispatch('ll_invoice_references', 'ledgerloop')(text, pattern)) }}
{%- endmacro %}

{% macro default__ll_invoice_references(text, pattern) -%}
    list_sort(list_distinct(list_transform(
        regexp_extract_all(
            {{ text }}, '{{ pattern }}', 1),
        lambda reference: {{ normalize_invoice_number('reference') }}
    )))
{%- endmacro %}

{% macro postgres__ll_invoice_references(text, pattern) -%}
    array(
        select normalized.reference
        from (
            select {{ normalize_invoice_number('matches.captured[1]') }} as reference
            from regexp_matches({{ text }}, '{{ ll_regex(pattern) }}', 'g') as matches (captured)
        ) as normalized
        where normalized.reference is not null
        group by normalized.reference
        order by normalized.reference collate "C"
    )
{%- endmacro %}

{#
  The numbers of every match of `listing_pattern` in `text` but the first one in each match
  (the numbers of `number_pattern` listed after a marked one), normalized, distinct, without
  nulls and without those already in the list `references`, sorted (as bytes). A list.
#}
{% macro ll_listed_invoice_numbers(text, listing_pattern, number_pattern, references) -%}
    {{ return(adapter.dispatch('ll_listed_invoice_numbers', 'ledgerloop')(
        text, listing_pattern, number_pattern, references)) }}
{%- endmacro %}

{% macro default__ll_listed_invoice_numbers(text, listing_pattern, number_pattern, references) -%}
    list_sort(list_distinct(list_filter(
        flatten(list_transform(
            regexp_extract_all({{ text }}, '{{ listing_pattern }}'),
            lambda listing: list_transform(
                regexp_extract_all(listing, '{{ number_pattern }}')[2:],
                lambda listed: {{ normalize_invoice_number('listed') }})
        )),
        lambda listed: listed is not null and not list_contains({{ references }}, listed)
    )))
{%- endmacro %}

{% macro postgres__ll_listed_invoice_numbers(text, listing_pattern, number_pattern, references) -%}
    array(
        select numbers.listed
        from regexp_matches({{ text }}, '{{ ll_regex(listing_pattern) }}', 'g') as listings (listing),
            lateral (
                select {{ normalize_invoice_number('found.number[1]') }} as listed
                from regexp_matches(listings.listing[1], '{{ ll_regex(number_pattern) }}', 'g')
                    with ordinality as found (number, position)
                where found.position >= 2
            ) as numbers
        where numbers.listed is not null and not numbers.listed = any({{ references }})
        group by numbers.listed
        order by numbers.listed collate "C"
    )
{%- endmacro %}

{#
  A record of named fields, for a JSON column: `fields` is a list of (name, expression). A
  STRUCT in DuckDB, a jsonb object in PostgreSQL (both become objects in `ll_to_json`).
#}
{% macro ll_record(fields) -%}
    {{ return(adapter.dispatch('ll_record', 'ledgerloop')(fields)) }}
{%- endmacro %}

{% macro default__ll_record(fields) -%}
    {
        {%- for name, expression in fields %}
        '{{ name }}': {{ expression }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    }
{%- endmacro %}

{% macro postgres__ll_record(fields) -%}
    jsonb_build_object(
        {%- for name, expression in fields %}
        '{{ name }}', {{ expression }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{# A list (of values or of `ll_record`s) as a JSON array: DuckDB JSON, PostgreSQL jsonb. #}
{% macro ll_to_json(list) -%}
    {{ return(adapter.dispatch('ll_to_json', 'ledgerloop')(list)) }}
{%- endmacro %}

{% macro default__ll_to_json(list) -%}
    to_json({{ list }})
{%- endmacro %}

{% macro postgres__ll_to_json(list) -%}
    to_jsonb({{ list }})
{%- endmacro %}

{# A date as text `YYYY-MM-DD`, whatever the session's date style. #}
{% macro ll_iso_date(column) -%}
    {{ return(adapter.dispatch('ll_iso_date', 'ledgerloop')(column)) }}
{%- endmacro %}

{% macro default__ll_iso_date(column) -%}
    strftime({{ column }}, '%Y-%m-%d')
{%- endmacro %}

{% macro postgres__ll_iso_date(column) -%}
    to_char({{ column }}, 'YYYY-MM-DD')
{%- endmacro %}

{#
  Capitals as DuckDB writes them. The engines' upper() differ on one character of the
  Unicode planes 0-2 (measured): DuckDB makes `ß` the capital `ẞ`, PostgreSQL (glibc) keeps
  `ß`. Party names are stored keys, so PostgreSQL writes the capital too.
#}
{% macro ll_upper(text) -%}
    {{ return(adapter.dispatch('ll_upper', 'ledgerloop')(text)) }}
{%- endmacro %}

{% macro default__ll_upper(text) -%}
    upper({{ text }})
{%- endmacro %}

{% macro postgres__ll_upper(text) -%}
    replace(upper({{ text }}), 'ß', 'ẞ')
{%- endmacro %}

{#
  `ll_any_value()` for a list: one list of each group where every row holds the same one.
  PostgreSQL's array_agg of arrays stacks them into a 2-D array (which `[1]` does not index and
  which refuses empty arrays); min() of equal arrays is that array.
#}
{% macro ll_any_list(expression) -%}
    {{ return(adapter.dispatch('ll_any_list', 'ledgerloop')(expression)) }}
{%- endmacro %}

{% macro default__ll_any_list(expression) -%}
    any_value({{ expression }})
{%- endmacro %}

{% macro postgres__ll_any_list(expression) -%}
    min({{ expression }})
{%- endmacro %}
