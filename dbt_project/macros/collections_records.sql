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

{# One row per element of a comma-separated list column (`NYC:1,NYC:2`), in a select list. #}
{% macro split_csv(column) -%}
    unnest(string_to_array({{ column }}, ','))
{%- endmacro %}

{# The display numbers of the invoices each of `records` covers when it covers more than one
   (`keys`, a list of invoice keys), from a relation or CTE of `invoice_key, display_number`, in
   key order ("INV-1, INV-2"): a relation of (`id`, display_numbers). One join for all records,
   not a lookup per record: PostgreSQL would scan the invoices once per record. #}
{% macro display_numbers_of(records, id, keys, invoices) -%}
    (
        select
            named.{{ id }},
            string_agg(coalesce(listed.display_number, listed.invoice_key), ', ' order by listed.invoice_key)
                as display_numbers
        from (
            select distinct
                covering.{{ id }},
                covered.invoice_key
            from {{ records }} as covering,
                unnest(covering.{{ keys }}) as covered (invoice_key)
            where cardinality(covering.{{ keys }}) > 1
        ) as named
        inner join {{ invoices }} as listed on named.invoice_key = listed.invoice_key
        group by named.{{ id }}
    )
{%- endmacro %}
