"""The day's risk model: fitted by the day's first run and kept, so the day's later runs score
with the same numbers.

A refresh every quarter hour that fitted the model again moved every account's score a little
whenever new rows changed the history (at 1M invoices, a refresh paying 1% of them moved the
risk of 109,322 of 109,666 worklist items): collectors' lists reshuffled mid-morning, and every
read model and file downstream changed with them. So the model is fitted once a day, as risk
teams do, keyed by the day, the policy's `risk:` section and the feature columns (a changed
policy or feature set fits again at once); the next day's fit learns from what arrived today.
A full rebuild keeps the day's fit too (it is a record, like the ledger's snapshot), so it
gives what the day's incremental runs gave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable

import pandas as pd

from orchestration.policy.risk import Risk
from orchestration.risk.model import RiskModel, feature_columns, fit, training_rows
from orchestration.runtime import AS_OF_VARIABLE

FIT_COLUMNS = [
    ("as_of", "DATE"),
    ("fit_key", "VARCHAR"),
    ("model_version", "VARCHAR"),
    ("model", "JSON"),
    ("training_rows", "BIGINT"),
    ("late_rows", "BIGINT"),
]
"""One row per fit: the day, what it was fitted for, and the model (`RiskModel.to_json`)."""


def fit_key(config: Risk, columns: Iterable[str]) -> str:
    """What a day's fit depends on besides the history: the `risk:` policy and the features."""
    features = feature_columns(pd.DataFrame(columns=list(columns)), config)
    payload = json.dumps({"risk": config.model_dump(mode="json"), "features": features}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def fit_for_day(frame: pd.DataFrame, config: Risk, as_of: dt.date) -> RiskModel:
    """Fit on the history the feature table holds whose labels were known before `as_of`."""
    return fit(training_rows(frame, as_of, config), feature_columns(frame, config), config)


def fit_row(model: RiskModel, as_of: dt.date, key: str) -> tuple:
    """The model as a row of FIT_COLUMNS."""
    return (as_of, key, model.version, model.to_json(), model.training_rows, model.late_rows)


def stored_model(rows: list[tuple], as_of: dt.date, key: str) -> RiskModel:
    """The one model of `rows` (the `model` column of the fits for `as_of` and `key`)."""
    if len(rows) != 1:
        raise ValueError(f"expected one risk model fitted for {as_of} (fit {key}), found {len(rows)}: "
                         "the fits are kept in intermediate.int_account_risk_fits")
    return RiskModel.from_json(rows[0][0])


def model_inputs(policy_text: str | None, as_of_text: str | None) -> tuple[Risk, dt.date]:
    """The `risk` policy and the run's day as dbt's Python models get them (config values,
    JSON and ISO text; the day, when no `as_of` var was given, from LEDGERLOOP_AS_OF in dbt's
    process, which runs them: a config value moving every day would have dbt parse their entry
    again on each day's first run); ValueError naming the var ledgerloop did not pass."""
    policy = json.loads(policy_text) if policy_text else None
    if policy is None:
        raise ValueError("var 'risk' is required: the `risk` part of ledgerloop.yaml (ledgerloop passes it)")
    if not as_of_text or as_of_text == "None":
        as_of_text = os.environ.get(AS_OF_VARIABLE)
    if not as_of_text:
        raise ValueError("var 'as_of' is required: the run's date (ledgerloop passes it)")
    return Risk.model_validate(policy), dt.date.fromisoformat(as_of_text)
