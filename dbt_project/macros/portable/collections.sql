{#
  Engine-specific SQL of the collections models (worklists, alerts, records, timeline, KPIs), one
  named macro per construct (shared/STYLE.md; the shape of portable/core.sql): `default__` is the
  DuckDB warehouse's SQL, `postgres__` the PostgreSQL warehouse's. A JSON list of records is a
  list of structs on DuckDB and a jsonb array on PostgreSQL; JSON columns the models write are
  JSON on DuckDB and jsonb on PostgreSQL (same lists, same values; jsonb orders an object's keys
  its own way).
#}

{# A JSON list of records parsed with `duckdb_schema` (`[{"due_on": "DATE", ...}]`). #}
{% macro ll_json_records(column, duckdb_schema) -%}
    {{ return(adapter.dispatch('ll_json_records', 'ledgerloop')(column, duckdb_schema)) }}
{%- endmacro %}

{% macro default__ll_json_records(column, duckdb_schema) -%}
    from_json({{ column }}, '{{ duckdb_schema }}')
{%- endmacro %}

{% macro postgres__ll_json_records(column, duckdb_schema) -%}
    cast({{ column }} as jsonb)
{%- endmacro %}

{# Positions 1..n of a list of records (`ll_json_records`), one row each, in a select list. #}
{% macro ll_record_positions(records) -%}
    {{ return(adapter.dispatch('ll_record_positions', 'ledgerloop')(records)) }}
{%- endmacro %}

{% macro default__ll_record_positions(records) -%}
    unnest(range(1, len({{ records }}) + 1))
{%- endmacro %}

{% macro postgres__ll_record_positions(records) -%}
    generate_series(1, jsonb_array_length({{ records }}))
{%- endmacro %}

{# The record at `position` (1 first) of a list of records. #}
{% macro ll_record_at(records, position) -%}
    {{ return(adapter.dispatch('ll_record_at', 'ledgerloop')(records, position)) }}
{%- endmacro %}

{% macro default__ll_record_at(records, position) -%}
    {{ records }}[{{ position }}]
{%- endmacro %}

{% macro postgres__ll_record_at(records, position) -%}
    ({{ records }} -> ({{ position }} - 1))
{%- endmacro %}

{# A field of a record (a struct on DuckDB, whose type it already has; a jsonb object on
   PostgreSQL, read as `pg_type`). #}
{% macro ll_record_field(record, field, pg_type) -%}
    {{ return(adapter.dispatch('ll_record_field', 'ledgerloop')(record, field, pg_type)) }}
{%- endmacro %}

{% macro default__ll_record_field(record, field, pg_type) -%}
    {{ record }}.{{ field }}
{%- endmacro %}

{% macro postgres__ll_record_field(record, field, pg_type) -%}
    cast({{ record }} ->> '{{ field }}' as {{ pg_type }})
{%- endmacro %}

{# The first record of a JSON list (`json`, parsed with `duckdb_schema`) for which `condition`
   holds, the record being named `alias` in it (read its fields with ll_record_field); null when
   none does. #}
{% macro ll_first_json_record(json, duckdb_schema, alias, condition) -%}
    {{ return(adapter.dispatch('ll_first_json_record', 'ledgerloop')(json, duckdb_schema, alias, condition)) }}
{%- endmacro %}

{% macro default__ll_first_json_record(json, duckdb_schema, alias, condition) -%}
    list_filter(
        from_json({{ json }}, '{{ duckdb_schema }}'),
        lambda {{ alias }}: {{ condition }}
    )[1]
{%- endmacro %}

{% macro postgres__ll_first_json_record(json, duckdb_schema, alias, condition) -%}
    (
        select records.{{ alias }}
        from jsonb_array_elements(cast({{ json }} as jsonb)) with ordinality as records ({{ alias }}, position)
        where {{ condition }}
        order by records.position
        limit 1
    )
{%- endmacro %}

{# numerator / denominator as a DOUBLE: DuckDB divides decimals (and integers) as doubles,
   PostgreSQL would keep a numeric (or truncate integers). #}
{% macro ll_divide_as_double(numerator, denominator) -%}
    {{ return(adapter.dispatch('ll_divide_as_double', 'ledgerloop')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__ll_divide_as_double(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro postgres__ll_divide_as_double(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / cast({{ denominator }} as double precision)
{%- endmacro %}

{# Whether `list` holds `element` (null for a null list). `element = any(list)` is spelled alike,
   but DuckDB runs it about ten times slower than list_contains. #}
{% macro ll_list_contains(list, element) -%}
    {{ return(adapter.dispatch('ll_list_contains', 'ledgerloop')(list, element)) }}
{%- endmacro %}

{% macro default__ll_list_contains(list, element) -%}
    list_contains({{ list }}, {{ element }})
{%- endmacro %}

{% macro postgres__ll_list_contains(list, element) -%}
    ({{ element }} = any({{ list }}))
{%- endmacro %}

{# Whether `text` matches the regular expression `pattern` anywhere (a boolean; PostgreSQL's
   regexp_matches returns a set). #}
{% macro ll_regexp_matches(text, pattern) -%}
    {{ return(adapter.dispatch('ll_regexp_matches', 'ledgerloop')(text, pattern)) }}
{%- endmacro %}

{% macro default__ll_regexp_matches(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__ll_regexp_matches(text, pattern) -%}
    ({{ text }} ~ {{ pattern }})
{%- endmacro %}

{# A number with thousands separators and two decimals, half away from zero: `28,974.39`. #}
{% macro ll_thousands_2dp(amount) -%}
    {{ return(adapter.dispatch('ll_thousands_2dp', 'ledgerloop')(amount)) }}
{%- endmacro %}

{% macro default__ll_thousands_2dp(amount) -%}
    format('{:,.2f}', {{ amount }})
{%- endmacro %}

{% macro postgres__ll_thousands_2dp(amount) -%}
    {#- room for decimal(38, 2): 36 integer digits -#}
    to_char({{ amount }}, 'FM{{ "999," * 11 }}990.00')
{%- endmacro %}

{# A date as `5 Mar` (day without a leading zero, English month abbreviation). #}
{% macro ll_day_month(day) -%}
    {{ return(adapter.dispatch('ll_day_month', 'ledgerloop')(day)) }}
{%- endmacro %}

{% macro default__ll_day_month(day) -%}
    strftime({{ day }}, '%-d %b')
{%- endmacro %}

{% macro postgres__ll_day_month(day) -%}
    to_char({{ day }}, 'FMDD Mon')
{%- endmacro %}

{# Business days (Monday to Friday) after `start_date` up to and including `end_date`; 0 when
   `end_date` is not after `start_date`. #}
{% macro ll_business_days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('ll_business_days_between', 'ledgerloop')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__ll_business_days_between(start_date, end_date) -%}
    case
        when {{ end_date }} <= {{ start_date }} then 0
        else
            5 * (({{ end_date }} - {{ start_date }}) // 7)
            + len(list_filter(
                range(1, (({{ end_date }} - {{ start_date }}) % 7) + 1),
                lambda k: ((isodow({{ start_date }}) + k - 1) % 7) + 1 <= 5
            ))
    end
{%- endmacro %}

{% macro postgres__ll_business_days_between(start_date, end_date) -%}
    {#- the r = (end - start) % 7 days left after whole weeks are days d+1..d+r of an unwrapped
        week (d: the start's ISO weekday), weekdays where they fall in 1..5 or 8..12 -#}
    {%- set d = 'cast(extract(isodow from ' ~ start_date ~ ') as integer)' -%}
    {%- set r = '((' ~ end_date ~ ' - ' ~ start_date ~ ') % 7)' -%}
    case
        when {{ end_date }} <= {{ start_date }} then 0
        else
            5 * (({{ end_date }} - {{ start_date }}) / 7)
            + greatest(0, least({{ d }} + {{ r }}, 5) - {{ d }})
            + greatest(0, least({{ d }} + {{ r }}, 12) - greatest({{ d }} + 1, 8) + 1)
    end
{%- endmacro %}

{# The invoice keys named in a JSON list of objects with an `invoice_key` (a list of another
   shape, e.g. payment ids, gives none), as a list. #}
{% macro ll_json_invoice_keys(json) -%}
    {{ return(adapter.dispatch('ll_json_invoice_keys', 'ledgerloop')(json)) }}
{%- endmacro %}

{% macro default__ll_json_invoice_keys(json) -%}
    json_extract_string({{ json }}, '$[*].invoice_key')
{%- endmacro %}

{% macro postgres__ll_json_invoice_keys(json) -%}
    array(
        select listed.element ->> 'invoice_key'
        from jsonb_array_elements(
            case when jsonb_typeof(cast({{ json }} as jsonb)) = 'array' then cast({{ json }} as jsonb) end
        ) with ordinality as listed (element, position)
        where listed.element ->> 'invoice_key' is not null
        order by listed.position
    )
{%- endmacro %}

{#
  PostgreSQL: a jsonb list of objects from `entries` (SQL rows of values, one per object, in
  list order, for the columns `columns`), keeping those where `keep` holds (over `entry.<column>`)
  and writing the keys `keys` (a subset of `columns`), in `order_by` (default: list order); `[]`
  when none is kept. The shape the worklist JSON lists share; not dispatched.
#}
{% macro postgres_json_object_list(entries, columns, keep, keys, order_by='entry.position') -%}
    (
        select coalesce(jsonb_agg(jsonb_build_object(
            {%- for key in keys %}
            '{{ key }}', entry.{{ key }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) order by {{ order_by }}), cast('[]' as jsonb))
        from (
            values
            {%- for values in entries %}
            ({{ loop.index }}, {{ values | join(', ') }}){% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as entry (position, {{ columns | join(', ') }})
        where {{ keep }}
    )
{%- endmacro %}

{# The drivers of an item's priority score as a JSON list of {driver, value, points}, leaving
   out the drivers that add no points. `drivers` is a list of (name, value expression, points
   expression). #}
{% macro ll_worklist_drivers_json(drivers) -%}
    {{ return(adapter.dispatch('ll_worklist_drivers_json', 'ledgerloop')(drivers)) }}
{%- endmacro %}

{% macro default__ll_worklist_drivers_json(drivers) -%}
    to_json(list_filter([
        {%- for name, value, points in drivers %}
        {'driver': '{{ name }}', 'value': cast({{ value }} as varchar), 'points': {{ points }}}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], lambda driver: driver.points <> 0))
{%- endmacro %}

{% macro postgres__ll_worklist_drivers_json(drivers) -%}
    {%- set entries = [] -%}
    {%- for name, value, points in drivers -%}
        {%- do entries.append(["'" ~ name ~ "'", 'cast(' ~ value ~ ' as varchar)', points]) -%}
    {%- endfor -%}
    {{ postgres_json_object_list(entries, ['driver', 'value', 'points'], 'entry.points <> 0',
        ['driver', 'value', 'points']) }}
{%- endmacro %}

{# An account's drivers as a JSON list of {points, driver, label}, largest first (ties: by the
   driver's name, last first, as DuckDB sorts the structs), leaving out those that add no points.
   `drivers` is a list of (name, label expression, points expression). #}
{% macro ll_worklist_account_drivers_json(drivers) -%}
    {{ return(adapter.dispatch('ll_worklist_account_drivers_json', 'ledgerloop')(drivers)) }}
{%- endmacro %}

{% macro default__ll_worklist_account_drivers_json(drivers) -%}
    to_json(list_sort(list_filter([
        {%- for name, label, points in drivers %}
        {'points': {{ points }}, 'driver': '{{ name }}', 'label': {{ label }}}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], lambda driver: driver.points <> 0), 'DESC'))
{%- endmacro %}

{% macro postgres__ll_worklist_account_drivers_json(drivers) -%}
    {%- set entries = [] -%}
    {%- for name, label, points in drivers -%}
        {%- do entries.append([points, "'" ~ name ~ "'", label]) -%}
    {%- endfor -%}
    {{ postgres_json_object_list(entries, ['points', 'driver', 'label'], 'entry.points <> 0',
        ['points', 'driver', 'label'], 'entry.points desc, entry.driver desc') }}
{%- endmacro %}

{# Every reason of the policy's `next_actions` that holds for an item, in the policy's order,
   with the date its action would be due by: a JSON list of {reason, due_by}. `reasons` is a
   list of (name, due-by expression, holds expression). #}
{% macro ll_worklist_reasons_json(reasons) -%}
    {{ return(adapter.dispatch('ll_worklist_reasons_json', 'ledgerloop')(reasons)) }}
{%- endmacro %}

{% macro default__ll_worklist_reasons_json(reasons) -%}
    to_json(list_transform(list_filter([
        {%- for name, due_by, holds in reasons %}
        {'reason': '{{ name }}', 'due_by': {{ due_by }},
         'holds': {{ holds }}}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], lambda r: r.holds), lambda r: {'reason': r.reason, 'due_by': r.due_by}))
{%- endmacro %}

{% macro postgres__ll_worklist_reasons_json(reasons) -%}
    {%- set entries = [] -%}
    {%- for name, due_by, holds in reasons -%}
        {%- do entries.append(["'" ~ name ~ "'", due_by, holds]) -%}
    {%- endfor -%}
    {{ postgres_json_object_list(entries, ['reason', 'due_by', 'holds'], 'entry.holds', ['reason', 'due_by']) }}
{%- endmacro %}

{# The sum of the `points` of a JSON list of {points, ...} (decimal(18, 2)); null for an empty list. #}
{% macro ll_json_points_sum(json) -%}
    {{ return(adapter.dispatch('ll_json_points_sum', 'ledgerloop')(json)) }}
{%- endmacro %}

{% macro default__ll_json_points_sum(json) -%}
    list_sum(list_transform(
        from_json({{ json }}, '[{"points": "DECIMAL(18,2)"}]'), lambda driver: driver.points
    ))
{%- endmacro %}

{% macro postgres__ll_json_points_sum(json) -%}
    (
        select sum(cast(listed.element ->> 'points' as decimal(18, 2)))
        from jsonb_array_elements(cast({{ json }} as jsonb)) as listed (element)
    )
{%- endmacro %}

