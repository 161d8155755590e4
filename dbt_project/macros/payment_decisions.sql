{#
  The manual cash-application decisions: an append-only JSON-lines file that
  `ledgerloop payments resolve|unapply` writes (the CLI never opens the warehouse, which a run
  holds locked). Its location is the `decisions_path` var; by default under $LEDGERLOOP_HOME.
  Read in place (not a dbt source: no Dagster asset produces the file, the CLI does).
#}
{% macro payment_decisions_path() -%}
    {{- var('decisions_path', env_var('LEDGERLOOP_HOME', '../var') ~ '/decisions/payment_decisions.jsonl') -}}
{%- endmacro %}

{% macro payment_decisions_relation() -%}
    read_json(
        '{{ payment_decisions_path() | replace("'", "''") }}',
        format = 'newline_delimited',
        columns = {
            decision_id: 'varchar', payment_id: 'varchar', action: 'varchar',
            invoices: 'struct(invoice varchar, amount varchar)[]',
            decided_by: 'varchar', decided_at: 'varchar'
        }
    )
{%- endmacro %}

{# No decision has been recorded yet: no file (and nothing to check while parsing). #}
{% macro payment_decisions_exist() -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query("select count(*) from glob('" ~ (payment_decisions_path() | replace("'", "''")) ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro payment_decisions_empty() -%}
    select
        cast(null as varchar) as decision_id,
        cast(null as varchar) as payment_id,
        cast(null as varchar) as action,
        cast([] as struct(invoice varchar, amount varchar)[]) as invoices,
        cast(null as varchar) as decided_by,
        cast(null as varchar) as decided_at
    where false
{%- endmacro %}
