"""marts.account_risk: each account's payment-risk score at the run's as-of date, with its drivers.

A dbt Python model so the SQL models downstream (worklist, dunning segments, credit limits) can
`ref` it; the model itself (fit, score, explain) is `orchestration.risk`, plain Python. It scores
the `is_current` rows of `int_account_risk_features` with the day's model, which
`int_account_risk_fits` fitted on the history rows whose labels were known before the as-of date.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from orchestration.risk.daily import fit_key, model_inputs, stored_model
    from orchestration.risk.model import model_columns
    from orchestration.risk.score import score

    # Calls of their own: dbt passes a model only the config keys it finds as `dbt.config.get`
    # calls, and does not look inside expressions.
    config, as_of = model_inputs(dbt.config.get("risk_policy"), dbt.config.get("as_of"))
    features = dbt.ref("int_account_risk_features")
    features = features.project(", ".join(model_columns(features.columns)))
    key = fit_key(config, features.columns)
    fits = dbt.ref("int_account_risk_fits").filter(f"as_of = DATE '{as_of}' and fit_key = '{key}'")
    model = stored_model(fits.project("model").fetchall(), as_of, key)
    session.register("account_risk_scored", score(model, features.filter("is_current").df(), config))
    return session.sql(
        "select cast(account_id as varchar) as account_id, cast(as_of as date) as as_of, "
        "cast(risk_score as double) as risk_score, cast(risk_band as varchar) as risk_band, "
        "cast(drivers as json) as drivers, cast(top_driver as varchar) as top_driver, "
        "cast(intercept as double) as intercept, cast(model_version as varchar) as model_version "
        "from account_risk_scored"
    )
