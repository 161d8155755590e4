{# The run's as-of date: `var('as_of')` when the pipeline passes it, else today. #}
{% macro as_of_date() -%}
    {%- if var('as_of') -%} cast('{{ var("as_of") }}' as date) {%- else -%} current_date {%- endif -%}
{%- endmacro %}

{# Aging bucket label for a number of days past due, from the policy's buckets (var). #}
{% macro aging_bucket(days_past_due) -%}
    case
        when {{ days_past_due }} is null then null
        {%- for bucket in var('aging_buckets') %}
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
    {%- for bucket in var('aging_buckets') -%}{%- do labels.append(bucket['label']) -%}{%- endfor -%}
    {{ return(labels) }}
{%- endmacro %}
