{# A payment plan's installments (`[{"due_on": "YYYY-MM-DD", "amount": "123.45"}, ...]`, contract
   C2) as a list of {due_on date, amount decimal(18, 2)} structs. DuckDB JSON: a server warehouse
   overrides this one macro. #}
{% macro plan_installments_list(column) -%}
    from_json({{ column }}, '[{"due_on": "DATE", "amount": "DECIMAL(18,2)"}]')
{%- endmacro %}

{# Positions 1..n of a list, one row each (`unnest` of a range). DuckDB list functions. #}
{% macro list_positions(list_expression) -%}
    unnest(range(1, len({{ list_expression }}) + 1))
{%- endmacro %}

{# Business days (Monday to Friday) after `start_date` up to and including `end_date`; 0 when
   `end_date` is not after `start_date`. DuckDB list functions. #}
{% macro business_days_between(start_date, end_date) -%}
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

{# The roster of policy `team` (var `team`: {collectors, managers} of {name, email, office}) as a
   relation of (member_name, member_key, email, office, role). #}
{% macro team_roster() -%}
        {%- set members = [] -%}
    {%- for role, key in [('collector', 'collectors'), ('manager', 'managers')] -%}
        {%- for member in policy_value('team', key) -%}
            {%- do members.append((role, member)) -%}
        {%- endfor -%}
    {%- endfor -%}
    (
        select
            cast(null as varchar) as member_name,
            cast(null as varchar) as member_key,
            cast(null as varchar) as email,
            cast(null as varchar) as office,
            cast(null as varchar) as role
        where false
        {%- for role, member in members %}
        union all
        select
            '{{ member["name"] | replace("'", "''") }}',
            lower(trim('{{ member["name"] | replace("'", "''") }}')),
            lower('{{ member["email"] | replace("'", "''") }}'),
            {% if member.get('office') %}'{{ member["office"] | replace("'", "''") }}'{% else %}null{% endif %},
            '{{ role }}'
        {%- endfor %}
    )
{%- endmacro %}

{# One row per element of a comma-separated list column (`NYC:1,NYC:2`), in a select list.
   DuckDB's unnest of string_split: a server warehouse overrides this one macro. #}
{% macro split_csv(column) -%}
    unnest(string_split({{ column }}, ','))
{%- endmacro %}

{# The display numbers of the invoices a record covers (`keys`, a list of invoice keys), from a
   relation or CTE of `invoice_key, display_number`, in key order: "INV-1, INV-2". #}
{% macro display_numbers_of(keys, invoices) -%}
    (
        select string_agg(coalesce(listed.display_number, listed.invoice_key), ', ' order by listed.invoice_key)
        from {{ invoices }} as listed
        where list_contains({{ keys }}, listed.invoice_key)
    )
{%- endmacro %}
