"""The payment-risk model: an L2-regularized logistic regression on standardized features.

Transparent by construction: a score's log-odds are the intercept plus one contribution per
feature, `coefficient × standardized value`, so

    intercept + Σ contributions = logit(risk_score)

holds exactly, and the contributions sorted by size are the score's drivers.

Training data and leakage. A row (account, as_of) carries features known on its as-of date and
a label (was the account's next due invoice paid more than `late_threshold_days` late?) that
becomes known only later. A row may train a model that scores at date D only if its label was
known before D: `label_known_on < D` where the feature table gives that column, otherwise
`as_of + label_window_days < D`. Rows with an unknown label never train.

Before standardizing, each value is capped to the range the training rows showed (policy
`risk.cap_quantile`), so a value beyond anything in the history cannot push a score to 0 or 1;
the driver's `value` stays the account's own.

Too little history (fewer than `min_training_rows` labelled rows, or fewer than `min_class_rows`
late or on-time ones) gives no model: every account gets the prior late rate (the history's own,
blended with `fallback_prior`), with one driver, `fallback_prior`, saying why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from orchestration.policy.risk import Risk

FEATURE_PREFIX = "f_"
BUILD_COLUMNS = ("inputs_fingerprint", "built_for")
"""Columns of the feature table saying how its rows were built (dbt_project/macros/risk_features.sql),
not what the model reads: left out of the frames loaded into pandas, where as Python objects they
held ~440 MB at 1M invoices."""
FALLBACK_FEATURE = "fallback_prior"
SAMPLE_SEED = 20261123
_ARRAYS = ("lower", "upper", "means", "scales", "coefficients")
"""The fitted numbers a `RiskModel` holds per feature."""


def model_columns(columns: Iterable[str]) -> list[str]:
    """The feature table's columns the model reads: all but `BUILD_COLUMNS`."""
    return [c for c in columns if c not in BUILD_COLUMNS]


def feature_columns(frame: pd.DataFrame, config: Risk) -> list[str]:
    """The model's features: the policy's list, or every `f_*` column of the frame (sorted)."""
    available = [c for c in frame.columns if c.startswith(FEATURE_PREFIX)]
    if config.features is None:
        return sorted(available)
    missing = [f for f in config.features if f not in available]
    if missing:
        raise ValueError(
            f"risk.features: not in the feature table: {missing}; available: {sorted(available)}"
        )
    return list(config.features)


def _as_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.normalize()


def feature_matrix(frame: pd.DataFrame, features: list[str] | tuple[str, ...]) -> np.ndarray:
    """The features as floats; ValueError naming a feature with nulls (the table promises none)."""
    x = frame[list(features)].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any():
        counts = {f: int(n) for f, n in zip(features, bad.sum(axis=0), strict=True) if n}
        raise ValueError(f"risk features with null or infinite values (rows per feature): {counts}")
    return x


def label_known_on(frame: pd.DataFrame, config: Risk) -> pd.Series:
    """The date each row's label became known (see the module docstring)."""
    if "label_known_on" in frame.columns:
        return _as_dates(frame["label_known_on"])
    return _as_dates(frame["as_of"]) + pd.Timedelta(days=config.label_window_days)


def training_rows(frame: pd.DataFrame, scoring_date: dt.date, config: Risk) -> pd.DataFrame:
    """Rows that may train a model scoring at `scoring_date`: labelled, dated before it, their
    label known before it, and within the training window; by account and date, so the sample
    and the fit do not depend on the order the warehouse happens to return rows in."""
    when = pd.Timestamp(scoring_date)
    as_of = _as_dates(frame["as_of"])
    earliest = when - pd.DateOffset(months=config.training_window_months)
    keep = (
        frame["label_is_late"].notna()
        & (as_of < when)
        & (as_of >= earliest)
        & (label_known_on(frame, config) < when)
    )
    if "is_current" in frame.columns:
        keep &= ~frame["is_current"].fillna(False).astype(bool)
    return frame.loc[keep].sort_values(["account_id", "as_of"], kind="stable", ignore_index=True)


@dataclass(frozen=True)
class RiskModel:
    """A fitted model (or the prior fallback): everything needed to score and explain."""

    features: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    coefficients: np.ndarray
    intercept: float
    training_rows: int
    late_rows: int
    fallback_reason: str | None = None
    constant_features: tuple[str, ...] = field(default=())

    @property
    def is_fallback(self) -> bool:
        return self.fallback_reason is not None

    @property
    def version(self) -> str:
        """A hash of the feature list and the fitted numbers: equal versions score alike."""
        payload = json.dumps(
            {
                "features": list(self.features),
                "lower": [float(v) for v in self.lower],
                "upper": [float(v) for v in self.upper],
                "means": [float(v) for v in self.means],
                "scales": [float(v) for v in self.scales],
                "coefficients": [float(v) for v in self.coefficients],
                "intercept": float(self.intercept),
                "fallback": self.fallback_reason is not None,
            },
            sort_keys=True,
        )
        prefix = "prior" if self.is_fallback else "logreg"
        return f"{prefix}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"

    def to_json(self) -> str:
        """Everything the model scores with, exactly (JSON keeps a float's shortest round trip),
        so a model stored at the day's first run scores later runs alike (`from_json`)."""
        arrays = {name: [float(v) for v in getattr(self, name)] for name in _ARRAYS}
        return json.dumps({
            "features": list(self.features), **arrays, "intercept": float(self.intercept),
            "training_rows": self.training_rows, "late_rows": self.late_rows,
            "fallback_reason": self.fallback_reason, "constant_features": list(self.constant_features),
        }, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RiskModel:
        fields = json.loads(text)
        return cls(
            features=tuple(fields["features"]),
            **{name: np.array(fields[name], dtype=np.float64) for name in _ARRAYS},
            intercept=float(fields["intercept"]),
            training_rows=int(fields["training_rows"]),
            late_rows=int(fields["late_rows"]),
            fallback_reason=fields["fallback_reason"],
            constant_features=tuple(fields["constant_features"]),
        )

    def coefficient_table(self) -> list[dict]:
        """Per feature: coefficient (log-odds per standard deviation), mean, standard deviation and
        the range values are capped to."""
        return [
            {
                "feature": f,
                "coefficient": float(c),
                "mean": float(m),
                "std": float(s),
                "lower": float(lo),
                "upper": float(hi),
            }
            for f, c, m, s, lo, hi in zip(
                self.features, self.coefficients, self.means, self.scales, self.lower, self.upper, strict=True
            )
        ]


def _prior(labels: pd.Series, config: Risk) -> float:
    weight = config.fallback_prior_weight
    late = float(labels.sum())
    return (
        (late + config.fallback_prior * weight) / (len(labels) + weight)
        if len(labels) + weight
        else (config.fallback_prior)
    )


def _fallback(labels: pd.Series, config: Risk, reason: str) -> RiskModel:
    prior = _prior(labels, config)
    empty = np.zeros(0)
    return RiskModel(
        features=(),
        lower=empty,
        upper=empty,
        means=empty,
        scales=empty,
        coefficients=empty,
        intercept=math.log(prior / (1 - prior)),
        training_rows=len(labels),
        late_rows=int(labels.sum()),
        fallback_reason=f"{reason}; prior late rate {prior:.0%}",
    )


def _caps(x: np.ndarray, quantile: float) -> tuple[np.ndarray, np.ndarray]:
    """Per feature, the range values are capped to: the training rows' `quantile` and
    `1 - quantile` quantiles, or their minimum and maximum where those quantiles coincide (a
    rare but telling value such as one dispute must not collapse the feature to a constant)."""
    low, high = np.quantile(x, quantile, axis=0), np.quantile(x, 1 - quantile, axis=0)
    collapsed = high <= low
    return np.where(collapsed, x.min(axis=0), low), np.where(collapsed, x.max(axis=0), high)


def fit(train: pd.DataFrame, features: list[str], config: Risk) -> RiskModel:
    """Fit on `train` (rows from `training_rows`); never raises for thin or one-sided history."""
    from sklearn.linear_model import LogisticRegression

    labels = train["label_is_late"].astype(bool)
    late, total = int(labels.sum()), len(labels)
    if total < config.min_training_rows:
        return _fallback(
            labels,
            config,
            f"too little history: {total} labelled rows (the model needs {config.min_training_rows})",
        )
    if min(late, total - late) < config.min_class_rows:
        return _fallback(
            labels,
            config,
            f"history too one-sided: {late} late and {total - late} on-time "
            f"rows (the model needs {config.min_class_rows} of each)",
        )
    if total > config.max_training_rows:
        train = train.sample(n=config.max_training_rows, random_state=SAMPLE_SEED)
        labels = train["label_is_late"].astype(bool)
    x = feature_matrix(train, features)
    lower, upper = _caps(x, config.cap_quantile)
    x = np.clip(x, lower, upper)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    constant = scales < 1e-12
    kept = [f for f, c in zip(features, constant, strict=True) if not c]
    if not kept:
        return _fallback(labels, config, "every feature is constant in the history")
    means, scales = means[~constant], scales[~constant]
    z = (x[:, ~constant] - means) / scales
    regression = LogisticRegression(C=config.regularization, l1_ratio=0, solver="lbfgs", max_iter=1000)
    regression.fit(z, labels.to_numpy())
    return RiskModel(
        features=tuple(kept),
        lower=lower[~constant],
        upper=upper[~constant],
        means=means,
        scales=scales,
        coefficients=regression.coef_[0].copy(),
        intercept=float(regression.intercept_[0]),
        training_rows=total,
        late_rows=late,
        constant_features=tuple(f for f, c in zip(features, constant, strict=True) if c),
    )


def contributions(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    """Per row and feature: coefficient × standardized value (log-odds), shape (rows, features)."""
    if model.is_fallback:
        return np.zeros((len(frame), 0))
    return standardized(model, feature_matrix(frame, model.features)) * model.coefficients


def standardized(model: RiskModel, x: np.ndarray) -> np.ndarray:
    """Feature values capped to the training range, then standardized."""
    return (np.clip(x, model.lower, model.upper) - model.means) / model.scales


def logits(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    return model.intercept + contributions(model, frame).sum(axis=1)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def predict(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    """The risk score (probability of paying late) of each row."""
    return sigmoid(logits(model, frame))
