{# The run's as-of date: resolved once by the run's edge (never the database's clock, which knows
   neither the team's time zone nor the day the rest of the run uses). The pipeline passes it as
   the environment variable LEDGERLOOP_AS_OF, read only while nodes run: a `--vars` value that
   moves every day would make dbt parse the whole project again on each day's first run (its
   partial parse keys on the vars), and a value read at parse time would be kept in the
   manifest. A given `as_of` var (by hand, or a unit test's override) comes first. #}
{% macro as_of_date() -%}
    {%- set day = var('as_of') or (env_var('LEDGERLOOP_AS_OF', '') if execute else '') -%}
    {%- if day -%} cast('{{ day }}' as date)
    {%- elif execute -%} {{ exceptions.raise_compiler_error("var 'as_of' is required: the run's date (ledgerloop passes it)") }}
    {%- else -%} cast(null as date) {%- endif -%}
{%- endmacro %}

{# Aging bucket label for a number of days past due, from the policy's buckets. #}
{% macro aging_bucket(days_past_due) -%}
    case
        when {{ days_past_due }} is null then null
        {%- for bucket in policy('aging_buckets') %}
        {%- if bucket['max_days'] is not none %}
        when {{ days_past_due }} <= {{ bucket['max_days'] }} then '{{ bucket["label"] }}'
        {%- else %}
        else '{{ bucket["label"] }}'
        {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}

{# Labels of the policy's buckets, for accepted_values tests. #}
{% macro aging_bucket_labels() -%}
    {%- set labels = [] -%}
    {%- for bucket in policy('aging_buckets') -%}{%- do labels.append(bucket['label']) -%}{%- endfor -%}
    {{ return(labels) }}
{%- endmacro %}
