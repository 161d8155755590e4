"""`marts.account_risk` on a PostgreSQL warehouse, where dbt runs no Python models: the same day's
fit and scores as dbt's Python models on DuckDB (`int_account_risk_fits`, `account_risk`), read
from and written to the server between the dbt models before and after them (see
dbt_project/models/marts/risk/from_pipeline)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
from psycopg import sql

from orchestration.policy.risk import Risk
from orchestration.risk.daily import FIT_COLUMNS, fit_for_day, fit_key, fit_row, stored_model
from orchestration.risk.model import RiskModel, model_columns
from orchestration.risk.score import score
from orchestration.storage.postgres import copy_rows, create_table, replace_rows, server_columns

FEATURES = ("intermediate", "int_account_risk_features")
FITS = ("intermediate", "int_account_risk_fits")
"""Where the day's fits are kept: the table dbt's Python model keeps on DuckDB."""
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


def feature_frame(pg: psycopg.Connection, current_only: bool = False) -> pd.DataFrame:
    """int_account_risk_features (its `is_current` rows alone, if asked) as the Python models read
    it from DuckDB: features as floats."""
    columns = model_columns(name for name, _ in server_columns(pg, *FEATURES))
    query = sql.SQL("select {} from {}.{}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), *map(sql.Identifier, FEATURES))
    if current_only:
        query += sql.SQL(" where is_current")
    with pg.cursor() as cursor:
        cursor.execute(query)
        names = [column.name for column in cursor.description]
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    features = [name for name in names if name.startswith("f_")]
    frame[features] = frame[features].astype(float)
    return frame


def day_model(pg: psycopg.Connection, config: Risk, as_of: dt.date) -> RiskModel:
    """The day's model: kept from the day's first run, else fitted now and kept."""
    key = fit_key(config, [name for name, _ in server_columns(pg, *FEATURES)])
    create_table(pg, *FITS, FIT_COLUMNS)
    query = sql.SQL("select model::text from {}.{} where as_of = %s and fit_key = %s")
    kept = pg.execute(query.format(*map(sql.Identifier, FITS)), [as_of, key]).fetchall()
    if kept:
        return stored_model(kept, as_of, key)
    model = fit_for_day(feature_frame(pg), config, as_of)
    copy_rows(pg, *FITS, [name for name, _ in FIT_COLUMNS], [fit_row(model, as_of, key)])
    return model


def score_on_postgres(pg: psycopg.Connection, config: Risk, as_of: dt.date) -> int:
    """Score with the day's model and replace the scores table, in the caller's transaction
    (commit it, or roll it back: the table then keeps the last scores); returns the accounts
    scored."""
    scored = score(day_model(pg, config, as_of), feature_frame(pg, current_only=True), config)
    rows = scored[[name for name, _ in SCORE_COLUMNS]].itertuples(index=False, name=None)
    return replace_rows(pg, *SCORES, SCORE_COLUMNS, rows)
