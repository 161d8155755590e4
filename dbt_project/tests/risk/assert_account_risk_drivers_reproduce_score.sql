-- Every score is explained: intercept + the drivers' contributions = logit(risk_score).
-- Scores within 1e-6 of 0 or 1 are only checked for their range: a double near 1 keeps too few
-- digits of 1 - score to recompute its logit to 1e-6.
select
    account_id,
    risk_score,
    intercept,
    {{ risk_contribution_sum('drivers') }} as contribution_sum
from {{ ref('account_risk') }}
where
    risk_score < 0
    or risk_score > 1
    or (
        risk_score between 1e-6 and 1 - 1e-6
        and abs(intercept + {{ risk_contribution_sum('drivers') }} - ln(risk_score / (1 - risk_score))) > 1e-6
    )
