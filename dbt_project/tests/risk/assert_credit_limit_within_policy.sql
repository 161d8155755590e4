-- Suggestions stay within the policy bounds and the step change from the previous limit.
{%- set policy = var('risk', {}).get('credit_limits', {}) %}
{%- set step = policy.get('max_step_change_percent', 25) %}
select *
from {{ ref('credit_limits') }}
where
    suggested_limit < {{ policy.get('min_limit', 5000) }}
    or suggested_limit > {{ policy.get('max_limit', 1000000) }}
    or (
        previous_limit between {{ policy.get('min_limit', 5000) }} and {{ policy.get('max_limit', 1000000) }}
        and abs(suggested_limit - previous_limit) > previous_limit * {{ step }} / 100.0 + 0.01
    )
