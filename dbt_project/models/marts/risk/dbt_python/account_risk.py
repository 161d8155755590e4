"""marts.account_risk: each account's payment-risk score at the run's as-of date, with its drivers.

A dbt Python model so the SQL models downstream (worklist, dunning segments, credit limits) can
`ref` it; the model itself (fit, score, explain) is `orchestration.risk`, plain Python. It trains
on the history rows of `int_account_risk_features` whose labels were known before the as-of date
and scores the `is_current` rows.
"""

import json


def model(dbt, session):
    dbt.config(materialized="table")
    import datetime as dt

    from orchestration.policy.risk import Risk
    from orchestration.risk.score import score_current

    # A call of its own: dbt passes a model only the config keys it finds as `dbt.config.get`
    # calls, and does not look inside expressions.
    policy_text = dbt.config.get("risk_policy")
    policy = json.loads(policy_text) if policy_text else None
    if policy is None:
        raise ValueError("var 'risk' is required: the `risk` part of ledgerloop.yaml (ledgerloop passes it)")
    config = Risk.model_validate(policy)
    as_of_text = dbt.config.get("as_of")
    if not as_of_text or as_of_text == "None":
        raise ValueError("var 'as_of' is required: the run's date (ledgerloop passes it)")
    as_of = dt.date.fromisoformat(as_of_text)
    features = dbt.ref("int_account_risk_features").df()
    _, scored = score_current(features, config, as_of)
    session.register("account_risk_scored", scored)
    return session.sql(
        "select cast(account_id as varchar) as account_id, cast(as_of as date) as as_of, "
        "cast(risk_score as double) as risk_score, cast(risk_band as varchar) as risk_band, "
        "cast(drivers as json) as drivers, cast(top_driver as varchar) as top_driver, "
        "cast(intercept as double) as intercept, cast(model_version as varchar) as model_version "
        "from account_risk_scored"
    )
