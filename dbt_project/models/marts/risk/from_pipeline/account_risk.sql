-- marts.account_risk on a warehouse whose dbt adapter runs no Python models (PostgreSQL): the
-- pipeline scores the accounts with the same code (orchestration.risk) right after
-- int_account_risk_features is built and writes the rows to risk_scoring.account_risk_scores;
-- this model is those rows, so every model downstream reads `ref('account_risk')` on both engines.
select
    account_id,
    as_of,
    risk_score,
    risk_band,
    drivers,
    top_driver,
    intercept,
    model_version
from {{ source('risk_scoring', 'account_risk_scores') }}
