"""Scores with their drivers: the rows of `marts.account_risk`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from orchestration.policy.risk import Risk
from orchestration.risk.model import (
    FALLBACK_FEATURE,
    RiskModel,
    feature_matrix,
    sigmoid,
    standardized,
)

COLUMNS = [
    "account_id",
    "as_of",
    "risk_score",
    "risk_band",
    "drivers",
    "top_driver",
    "intercept",
    "model_version",
]


def describe_driver(feature: str, value: float, contribution: float) -> str:
    """`days late mean = 42 raises risk (+0.85 log-odds)`: the top driver as people read it."""
    name = feature.removeprefix("f_").replace("_", " ")
    direction = "raises" if contribution > 0 else "lowers" if contribution < 0 else "does not move"
    return f"{name} = {value:.4g} {direction} risk ({contribution:+.2f} log-odds)"


_DRIVER = '{{"feature": {}, "value": {!r}, "contribution": {!r}}}'.format


def _driver_lists(model: RiskModel, values: np.ndarray, parts: np.ndarray) -> tuple[list[str], list[str]]:
    """Per row: the drivers as a JSON list sorted by |contribution| desc, and the top one as text.

    Written with one format per driver (float repr is JSON's shortest round-trip number), a
    third faster than `json.dumps` of dicts; features are never null or infinite (the feature
    table's contract), which JSON could not hold."""
    order = np.argsort(-np.abs(parts), axis=1, kind="stable")
    names = np.array([json.dumps(f) for f in model.features], dtype=object)[order].tolist()
    sorted_values = np.take_along_axis(values, order, axis=1).tolist()
    sorted_parts = np.take_along_axis(parts, order, axis=1).tolist()
    drivers = [
        "[" + ", ".join(map(_DRIVER, n, v, c)) + "]"
        for n, v, c in zip(names, sorted_values, sorted_parts, strict=True)
    ]
    tops = [
        describe_driver(model.features[j], v[0], c[0])
        for j, v, c in zip(order[:, 0].tolist(), sorted_values, sorted_parts, strict=True)
    ]
    return drivers, tops


def score(model: RiskModel, current: pd.DataFrame, config: Risk) -> pd.DataFrame:
    """One row per row of `current`: score, band, drivers (JSON, by |contribution| desc)."""
    n = len(current)
    if model.is_fallback:
        logit = np.full(n, model.intercept)
        driver = json.dumps(
            [
                {
                    "feature": FALLBACK_FEATURE,
                    "value": float(model.training_rows),
                    "contribution": 0.0,
                    "reason": model.fallback_reason,
                }
            ]
        )
        drivers, tops = [driver] * n, [f"no model: {model.fallback_reason}"] * n
    else:
        values = feature_matrix(current, model.features)
        parts = standardized(model, values) * model.coefficients
        logit = model.intercept + parts.sum(axis=1)
        drivers, tops = _driver_lists(model, values, parts)
    scores = sigmoid(logit)
    bands = np.where(
        scores >= config.bands.high, "high", np.where(scores >= config.bands.medium, "medium", "low")
    )
    return pd.DataFrame(
        {
            "account_id": current["account_id"].to_numpy(),
            "as_of": pd.to_datetime(current["as_of"]).dt.date.to_numpy(),
            "risk_score": scores,
            "risk_band": bands,
            "drivers": drivers,
            "top_driver": tops,
            "intercept": np.full(n, model.intercept),
            "model_version": model.version,
        },
        columns=COLUMNS,
    )

