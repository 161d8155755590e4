{# One weight as a decimal literal (`per_day_past_due` -> 0.25). #}
{% macro worklist_weight(name) -%}
    cast({{ policy_value('worklist', 'weights', name) }} as decimal(18, 4))
{%- endmacro %}

{# Points as a decimal(18, 2) rounded once, so that the drivers' points sum to the score exactly.
   `is_double`: the expression is a DOUBLE (a weight times a cume_dist or a risk score), which
   PostgreSQL rounds otherwise than DuckDB (ll_round_double). #}
{% macro worklist_points(expression, is_double=false) -%}
    {%- if is_double -%}
    cast({{ ll_round_double(expression, 2) }} as decimal(18, 2))
    {%- else -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
    {%- endif -%}
{%- endmacro %}

{# The weight `name` as points when `flag` (a boolean column) holds, else 0. #}
{% macro worklist_flag_points(flag, name) -%}
    {{ worklist_points('case when ' ~ flag ~ ' then ' ~ worklist_weight(name) ~ ' else 0 end') }}
{%- endmacro %}

{# Points of an aging bucket label from `weights.buckets` (0 for a bucket with none). #}
{% macro worklist_bucket_points(bucket_column) -%}
    case
        {%- for label, points in policy_value('worklist', 'weights', 'buckets').items() %}
        when {{ bucket_column }} = '{{ label | replace("'", "''") }}' then cast({{ points }} as decimal(18, 2))
        {%- endfor %}
        else cast(0 as decimal(18, 2))
    end
{%- endmacro %}

{# The condition under which an invoice is listed for `reason` (the reasons of orchestration/policy/worklist.py). #}
{% macro worklist_reason_condition(reason) -%}
    {%- set conditions = {
        'promise_to_pay_broken': 'is_promise_to_pay_broken',
        'dispute_overdue': 'is_dispute_overdue',
        'promise_to_pay_due': 'is_promise_to_pay_due',
        'dispute_deadline_near': 'is_dispute_deadline_near',
        'plan_behind': 'is_plan_behind',
        'dunning_call': 'is_dunning_call_due',
        'open_dispute': 'is_dispute_open',
        'broken_promise': 'is_promise_broken',
        'promise_due': 'is_promise_due',
        'director_dispute': 'is_director_dispute',
        'unmatched_payment': 'payment_id is not null',
        'promise_to_pay_pending': 'is_promise_to_pay_pending',
        'plan_on_track': 'is_plan_on_track',
        'untouched': 'days_past_due > 0 and days_since_touch >= ' ~ policy_int('worklist', 'coverage_gap_days'),
        'past_due': 'days_past_due > 0',
        'not_yet_due': 'payment_id is null and coalesce(days_past_due, 0) <= 0',
    } -%}
    {%- if reason not in conditions -%}
        {{ exceptions.raise_compiler_error("worklist: unknown reason " ~ reason) }}
    {%- endif -%}
    {{- conditions[reason] -}}
{%- endmacro %}

{# The first reason of `next_actions` (in order) that holds, and its action and due days. #}
{% macro worklist_next_action(field) -%}
    case
        {%- for rule in policy_value('worklist', 'next_actions') %}
        when {{ worklist_reason_condition(rule['reason']) }} then
            {%- if field == 'reason' %} '{{ rule["reason"] }}'
            {%- elif field == 'action' %} '{{ rule["action"] | replace("'", "''") }}'
            {%- else %} {{ rule['due_in_days'] | int }}
            {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}

{# The date the action of `reason` (a column or literal) is due by: the run's day plus the
   policy's days; for a promise the promised date plus them, for a plan on track its next
   installment plus them, so the date stays put from run to run; a dispute's action never later
   than its deadline. Reads the item columns promise_to_pay_date, promised_on,
   plan_next_installment_on, dispute_deadline_on and as_of_date. #}
{% macro worklist_due_by(reason) -%}
    {%- set anchors = {
        'promise_to_pay_due': 'promise_to_pay_date', 'promise_to_pay_pending': 'promise_to_pay_date',
        'promise_due': 'promised_on', 'plan_on_track': 'plan_next_installment_on'} -%}
    cast(case {{ reason }}
        {%- for rule in policy_value('worklist', 'next_actions') %}
        {%- set days = rule['due_in_days'] | int %}
        when '{{ rule["reason"] }}' then
            {%- if rule['reason'] in anchors %} coalesce({{ anchors[rule['reason']] }}, as_of_date) + {{ days }}
            {%- elif rule['reason'] in ('open_dispute', 'dispute_deadline_near') %}
                least(as_of_date + {{ days }}, coalesce(dispute_deadline_on, as_of_date + {{ days }}))
            {%- else %} as_of_date + {{ days }}
            {%- endif %}
        {%- endfor %}
    end as date)
{%- endmacro %}

{# Every reason that holds for an item, in the policy's order, with the date its action would be
   due by: a JSON list of {reason, due_by}. The portal replays a collector's new entries on it
   (portal/worklist_now.py) to show the next action before the pipeline ingests them. #}
{% macro worklist_reasons_json() -%}
    {%- set reasons = [] -%}
    {%- for rule in policy_value('worklist', 'next_actions') -%}
        {%- do reasons.append((
            rule['reason'],
            worklist_due_by("'" ~ rule['reason'] ~ "'"),
            'coalesce(' ~ worklist_reason_condition(rule['reason']) ~ ', false)',
        )) -%}
    {%- endfor -%}
    {{ ll_worklist_reasons_json(reasons) }}
{%- endmacro %}

{# The collections stage a director's portal answer stands for (policy `portal.statuses`). #}
{% macro worklist_answer_stage(status_column) -%}
    case
        {%- for choice in policy('portal_status_stages') %}
        when {{ status_column }} = '{{ choice["label"] | replace("'", "''") }}' then '{{ choice["stage"] | replace("'", "''") }}'
        {%- endfor %}
        else {{ status_column }}
    end
{%- endmacro %}

{# The collector who owns an invoice; `unassigned` when the source names nobody. #}
{% macro worklist_collector(collector_column) -%}
    coalesce(nullif(trim({{ collector_column }}), ''), 'unassigned')
{%- endmacro %}

{# Where `reason` stands in the policy's order of precedence (1 first). #}
{% macro worklist_reason_position(reason) -%}
    case {{ reason }}
        {%- for rule in policy_value('worklist', 'next_actions') %}
        when '{{ rule["reason"] }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}

{# The policy's action for `reason`. #}
{% macro worklist_action_for(reason) -%}
    case {{ reason }}
        {%- for rule in policy_value('worklist', 'next_actions') %}
        when '{{ rule["reason"] }}' then '{{ rule["action"] | replace("'", "''") }}'
        {%- endfor %}
    end
{%- endmacro %}
