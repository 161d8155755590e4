-- Suggestions stay within the policy bounds and the step change from the previous limit.
{%- set limits = policy_value('risk', 'credit_limits') %}
{%- set step = limits['max_step_change_percent'] %}
select *
from {{ ref('credit_limits') }}
where
    suggested_limit < {{ limits['min_limit'] }}
    or suggested_limit > {{ limits['max_limit'] }}
    or (
        previous_limit between {{ limits['min_limit'] }} and {{ limits['max_limit'] }}
        and abs(suggested_limit - previous_limit) > previous_limit * {{ step }} / 100.0 + 0.01
    )
