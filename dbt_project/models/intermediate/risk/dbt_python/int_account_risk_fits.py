"""intermediate.int_account_risk_fits: the day's payment-risk model, fitted by the day's first
run and kept (orchestration/risk/daily.py says why): one row per day and fit key.

Incremental and never rebuilt by `--full-refresh`: a later run of the day, or a full rebuild,
finds the day's fit here and appends nothing; marts.account_risk scores with it."""


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False)
    from orchestration.risk.daily import FIT_COLUMNS, fit_for_day, fit_key, fit_row, model_inputs
    from orchestration.risk.model import model_columns

    # Calls of their own: dbt passes a model only the config keys it finds as `dbt.config.get`
    # calls, and does not look inside expressions.
    config, as_of = model_inputs(dbt.config.get("risk_policy"), dbt.config.get("as_of"))
    features = dbt.ref("int_account_risk_features")
    features = features.project(", ".join(model_columns(features.columns)))
    key = fit_key(config, features.columns)
    if dbt.is_incremental and session.execute(
        f"select count(*) from {dbt.this} where as_of = $as_of and fit_key = $key",
        {"as_of": as_of, "key": key},
    ).fetchall()[0][0]:
        return session.sql(f"select * from {dbt.this} limit 0")  # fitted already: nothing to append
    row = fit_row(fit_for_day(features.df(), config, as_of), as_of, key)
    names = ", ".join(name for name, _ in FIT_COLUMNS)
    typed = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in FIT_COLUMNS)
    markers = ", ".join("?" * len(row))
    return session.sql(f"select {typed} from (values ({markers})) as fit({names})", params=list(row))
