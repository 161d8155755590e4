"""`marts.account_risk` on a PostgreSQL warehouse, where dbt runs no Python models: the same fit
and scores as dbt's Python model on DuckDB (`score_current`), read from and written to the server
between the dbt models before and after it (see dbt_project/models/marts/risk/from_pipeline)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg

from orchestration.policy.risk import Risk
from orchestration.risk.score import score_current
from orchestration.storage.postgres import read_rows, replace_rows

FEATURES = ("intermediate", "int_account_risk_features")
SCORES = ("risk_scoring", "account_risk_scores")
SCORE_COLUMNS = [
    ("account_id", "VARCHAR"),
    ("as_of", "DATE"),
    ("risk_score", "DOUBLE"),
    ("risk_band", "VARCHAR"),
    ("drivers", "JSON"),
    ("top_driver", "VARCHAR"),
    ("intercept", "DOUBLE"),
    ("model_version", "VARCHAR"),
]
"""The columns and types dbt's Python model gives marts.account_risk on DuckDB."""


def feature_frame(pg: psycopg.Connection) -> pd.DataFrame:
    """int_account_risk_features as the Python model reads it from DuckDB: features as floats."""
    names, rows = read_rows(pg, *FEATURES)
    frame = pd.DataFrame.from_records(rows, columns=names)
    features = [name for name in names if name.startswith("f_")]
    frame[features] = frame[features].astype(float)
    return frame


def score_on_postgres(pg: psycopg.Connection, config: Risk, as_of: dt.date) -> int:
    """Fit, score and replace the scores table, in the caller's transaction (commit it, or roll
    it back: the table then keeps the last scores); returns the accounts scored."""
    _, scored = score_current(feature_frame(pg), config, as_of)
    rows = scored[[name for name, _ in SCORE_COLUMNS]].itertuples(index=False, name=None)
    return replace_rows(pg, *SCORES, SCORE_COLUMNS, rows)
