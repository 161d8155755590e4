{# The `worklist:` policy of ledgerloop.yaml as Python passes it in `--vars` (Policy.dbt_vars);
   the defaults mirror orchestration/config.py so that `dbt parse` works without vars. #}
{% macro worklist_policy() -%}
    {%- set defaults = {
        'weights': {
            'balance': 30, 'per_day_past_due': 0.25, 'days_past_due_cap': 120,
            'buckets': {'1-30': 5, '31-60': 15, '61-90': 25, '90+': 35},
            'per_day_untouched': 0.5, 'days_untouched_cap': 60,
            'broken_promise': 60, 'promise_due': 20, 'director_dispute': 15,
            'unmatched_payment': 10, 'per_day_unmatched': 1, 'days_unmatched_cap': 30,
            'promise_to_pay_broken': 250, 'promise_to_pay_due': 25, 'dispute_overdue': 45,
            'dispute_deadline_near': 25, 'plan_behind': 40, 'dunning_call': 30, 'payment_risk': 20},
        'promise_due_within_days': 3,
        'dispute_deadline_within_days': 3,
        'coverage_gap_days': 14,
        'reassign_load_ratio': 1.5,
        'next_actions': [
            {'reason': 'promise_to_pay_broken', 'action': 'Call the client: the payment they promised you did not come', 'due_in_days': 0},
            {'reason': 'broken_promise', 'action': 'Call the client: the promised payment did not come', 'due_in_days': 0},
            {'reason': 'dispute_overdue', 'action': 'Resolve the dispute: its deadline has passed', 'due_in_days': 0},
            {'reason': 'promise_to_pay_due', 'action': 'Check the payment the client promised you arrived', 'due_in_days': 1},
            {'reason': 'promise_due', 'action': 'Check the promised payment arrived', 'due_in_days': 1},
            {'reason': 'dispute_deadline_near', 'action': 'Settle the dispute before its deadline', 'due_in_days': 1},
            {'reason': 'plan_behind', 'action': 'Call the client: the payment plan is behind', 'due_in_days': 1},
            {'reason': 'dunning_call', 'action': 'Make the dunning call: the reminder sequence has reached its call step', 'due_in_days': 0},
            {'reason': 'open_dispute', 'action': 'Work the dispute: no reminders go out while it is open', 'due_in_days': 3},
            {'reason': 'director_dispute', 'action': 'Ask the director what is disputed and settle it', 'due_in_days': 2},
            {'reason': 'unmatched_payment', 'action': 'Find out which invoices this payment pays and tell cash application', 'due_in_days': 1},
            {'reason': 'promise_to_pay_pending', 'action': 'Wait for the promised payment, then check it arrived', 'due_in_days': 1},
            {'reason': 'plan_on_track', 'action': 'Check the next plan installment arrived', 'due_in_days': 1},
            {'reason': 'untouched', 'action': 'Contact the client: nobody has for too long', 'due_in_days': 1},
            {'reason': 'past_due', 'action': 'Send a reminder or call the client', 'due_in_days': 3},
            {'reason': 'not_yet_due', 'action': 'No action before the due date', 'due_in_days': 7}]
    } -%}
    {{- return(var('worklist', none) or defaults) -}}
{%- endmacro %}

{# One weight as a decimal literal (`per_day_past_due` -> 0.25). #}
{% macro worklist_weight(name) -%}
    cast({{ worklist_policy()['weights'][name] }} as decimal(18, 4))
{%- endmacro %}

{# Points as a decimal(18, 2) rounded once, so that the drivers' points sum to the score exactly. #}
{% macro worklist_points(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{# The weight `name` as points when `flag` (a boolean column) holds, else 0. #}
{% macro worklist_flag_points(flag, name) -%}
    {{ worklist_points('case when ' ~ flag ~ ' then ' ~ worklist_weight(name) ~ ' else 0 end') }}
{%- endmacro %}

{# Points of an aging bucket label from `weights.buckets` (0 for a bucket with none). #}
{% macro worklist_bucket_points(bucket_column) -%}
    case
        {%- for label, points in worklist_policy()['weights']['buckets'].items() %}
        when {{ bucket_column }} = '{{ label | replace("'", "''") }}' then cast({{ points }} as decimal(18, 2))
        {%- endfor %}
        else cast(0 as decimal(18, 2))
    end
{%- endmacro %}

{# The condition under which an invoice is listed for `reason` (the reasons of config.py). #}
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
        'untouched': 'days_past_due > 0 and days_since_touch >= ' ~ worklist_policy()['coverage_gap_days'],
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
        {%- for rule in worklist_policy()['next_actions'] %}
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
        {%- for rule in worklist_policy()['next_actions'] %}
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
   (portal/worklist_now.py) to show the next action before the pipeline ingests them. DuckDB
   list functions. #}
{% macro worklist_reasons_json() -%}
    to_json(list_transform(list_filter([
        {%- for rule in worklist_policy()['next_actions'] %}
        {'reason': '{{ rule["reason"] }}', 'due_by': {{ worklist_due_by("'" ~ rule['reason'] ~ "'") }},
         'holds': coalesce({{ worklist_reason_condition(rule['reason']) }}, false)}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], lambda r: r.holds), lambda r: {'reason': r.reason, 'due_by': r.due_by}))
{%- endmacro %}

{# The collections stage a director's portal answer stands for (policy `portal.statuses`). #}
{% macro worklist_answer_stage(status_column) -%}
    case
        {%- for choice in var('portal_status_stages', []) %}
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
        {%- for rule in worklist_policy()['next_actions'] %}
        when '{{ rule["reason"] }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}

{# The policy's action for `reason`. #}
{% macro worklist_action_for(reason) -%}
    case {{ reason }}
        {%- for rule in worklist_policy()['next_actions'] %}
        when '{{ rule["reason"] }}' then '{{ rule["action"] | replace("'", "''") }}'
        {%- endfor %}
    end
{%- endmacro %}
