"""Backtest: train on the history known before a cut-off date, score what came after, and compare
the model with a naive baseline on AUC, Brier score, calibration and lift.

The naive baseline is what a collector would guess from the last paid invoice alone: its days
late, put in a band (`no paid invoice yet`, `on time`, `1-15`, `16-30`, `31-60`, `61-90`, `90+`),
and turned into a probability by the late rate of that band among the training rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from orchestration.policy.risk import Risk
from orchestration.risk.model import RiskModel, feature_columns, fit, predict, training_rows

BASELINE_BANDS = [
    (0, "on time"),
    (15, "1-15"),
    (30, "16-30"),
    (60, "31-60"),
    (90, "61-90"),
    (math.inf, "90+"),
]
NO_HISTORY = "no paid invoice yet"


# --- metrics -------------------------------------------------------------------------------------


def auc(labels, scores) -> float | None:
    """Area under the ROC curve: the chance a random late row scores above a random on-time row
    (ties count half). None when only one class is present."""
    y = np.asarray(labels, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if not positives or not negatives:
        return None
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(labels, scores) -> float | None:
    """Mean squared difference between the predicted probability and the outcome (0 or 1)."""
    y = np.asarray(labels, dtype=float)
    if not len(y):
        return None
    return float(np.mean((np.asarray(scores, dtype=float) - y) ** 2))


def _by_score(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores sorted by score, highest first (ties keep their order)."""
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="stable")
    return np.asarray(labels, dtype=float)[order], s[order]


def calibration(labels, scores, bins: int = 10) -> list[dict]:
    """Deciles of the predicted score (lowest first): rows, mean predicted, observed late rate."""
    y, s = _by_score(labels, scores)
    if not len(y):
        return []
    groups = [g for g in np.array_split(np.arange(len(y))[::-1], min(bins, len(y))) if len(g)]
    return [
        {
            "decile": i + 1,
            "rows": len(g),
            "mean_predicted": float(s[g].mean()),
            "observed_rate": float(y[g].mean()),
        }
        for i, g in enumerate(groups)
    ]


def lift_top_decile(labels, scores) -> float | None:
    """Late rate among the top 10% of scores divided by the overall late rate."""
    y, _ = _by_score(labels, scores)
    if not len(y) or not y.mean():
        return None
    top = y[: max(1, math.ceil(len(y) / 10))]
    return float(top.mean() / y.mean())


def gains(labels, scores, bins: int = 10) -> list[dict]:
    """Share of late rows caught when working the riskiest 10%, 20%, ... of rows."""
    y, _ = _by_score(labels, scores)
    total = y.sum()
    points = []
    for i in range(1, bins + 1):
        n = math.ceil(len(y) * i / bins)
        points.append(
            {"share_worked": i / bins, "share_late_caught": float(y[:n].sum() / total) if total else 0.0}
        )
    return points


def roc_curve(labels, scores) -> list[tuple[float, float]]:
    """(false positive rate, true positive rate) at each distinct score threshold, from (0, 0)."""
    y, s = _by_score(labels, scores)
    positives, negatives = y.sum(), len(y) - y.sum()
    if not positives or not negatives:
        return [(0.0, 0.0), (1.0, 1.0)]
    tp, fp = np.cumsum(y), np.cumsum(1 - y)
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    points = [(0.0, 0.0)] + list(
        zip((fp[last_of_tie] / negatives).tolist(), (tp[last_of_tie] / positives).tolist(), strict=True)
    )
    return points


@dataclass(frozen=True)
class Metrics:
    rows: int
    late_rate: float | None
    auc: float | None
    brier: float | None
    lift_top_decile: float | None
    calibration: list[dict]
    gains: list[dict]
    roc: list[tuple[float, float]]

    @classmethod
    def of(cls, labels, scores) -> Metrics:
        y = np.asarray(labels, dtype=float)
        return cls(
            rows=len(y),
            late_rate=float(y.mean()) if len(y) else None,
            auc=auc(labels, scores),
            brier=brier(labels, scores),
            lift_top_decile=lift_top_decile(labels, scores),
            calibration=calibration(labels, scores),
            gains=gains(labels, scores),
            roc=roc_curve(labels, scores),
        )


# --- the naive baseline --------------------------------------------------------------------------


def baseline_band(days_late: pd.Series) -> pd.Series:
    """The lateness band of each last paid invoice (`no paid invoice yet` when there is none)."""
    values = pd.to_numeric(days_late, errors="coerce")
    bands = pd.Series(NO_HISTORY, index=values.index, dtype=object)
    for upper, label in reversed(BASELINE_BANDS):
        bands[values <= upper] = label
    bands[values.isna()] = NO_HISTORY
    return bands


def fit_baseline(train: pd.DataFrame) -> dict[str, float]:
    """Late rate per lateness band on the training rows (smoothed toward the overall rate with
    two pseudo-rows, so a band seen once is not 0% or 100%)."""
    y = train["label_is_late"].astype(float)
    overall = float(y.mean()) if len(y) else 0.5
    grouped = y.groupby(baseline_band(train["baseline_last_days_late"])).agg(["sum", "count"])
    rates = {band: float((row["sum"] + 2 * overall) / (row["count"] + 2)) for band, row in grouped.iterrows()}
    rates["*"] = overall
    return rates


def predict_baseline(rates: dict[str, float], frame: pd.DataFrame) -> np.ndarray:
    bands = baseline_band(frame["baseline_last_days_late"])
    return bands.map(lambda b: rates.get(b, rates["*"])).to_numpy(dtype=float)


# --- the backtest --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacktestResult:
    cutoff: dt.date
    late_threshold_days: int
    training_rows: int
    training_late_rate: float | None
    test_from: dt.date | None
    test_to: dt.date | None
    model_version: str
    fallback_reason: str | None
    coefficients: list[dict]
    model: Metrics
    baseline: Metrics
    baseline_rates: dict[str, float] = field(default_factory=dict)

    @property
    def model_beats_baseline(self) -> bool:
        m, b = self.model, self.baseline
        return (
            m.auc is not None
            and b.auc is not None
            and m.auc > b.auc
            and m.brier is not None
            and b.brier is not None
            and m.brier < b.brier
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        data["model_beats_baseline"] = self.model_beats_baseline
        return data


def default_cutoff(frame: pd.DataFrame, months_back: int = 6) -> dt.date:
    """`months_back` months before the newest as-of date of the history."""
    newest = pd.to_datetime(frame["as_of"]).max()
    return (newest - pd.DateOffset(months=months_back)).date()


def run_backtest(frame: pd.DataFrame, cutoff: dt.date, config: Risk) -> tuple[BacktestResult, RiskModel]:
    """Train on rows whose label was known before `cutoff`, score labelled rows dated on or after it."""
    train = training_rows(frame, cutoff, config)
    as_of = pd.to_datetime(frame["as_of"])
    test_mask = frame["label_is_late"].notna() & (as_of >= pd.Timestamp(cutoff))
    if "is_current" in frame.columns:
        test_mask &= ~frame["is_current"].fillna(False).astype(bool)
    test = frame.loc[test_mask]
    model = fit(train, feature_columns(frame, config), config)
    labels = test["label_is_late"].astype(bool).to_numpy()
    rates = fit_baseline(train)
    test_dates = pd.to_datetime(test["as_of"])
    result = BacktestResult(
        cutoff=cutoff,
        late_threshold_days=config.late_threshold_days,
        training_rows=len(train),
        training_late_rate=float(train["label_is_late"].astype(float).mean()) if len(train) else None,
        test_from=test_dates.min().date() if len(test) else None,
        test_to=test_dates.max().date() if len(test) else None,
        model_version=model.version,
        fallback_reason=model.fallback_reason,
        coefficients=model.coefficient_table(),
        model=Metrics.of(labels, predict(model, test)),
        baseline=Metrics.of(labels, predict_baseline(rates, test)),
        baseline_rates=rates,
    )
    return result, model


def _fmt(value: float | None, pattern: str = "{:.3f}") -> str:
    return "n/a" if value is None else pattern.format(value)


def format_table(result: BacktestResult) -> str:
    """The backtest as a plain-text table for the terminal."""
    m, b = result.model, result.baseline
    lines = [
        f"Backtest at cut-off {result.cutoff} (late = paid more than {result.late_threshold_days} days late)",
        f"  trained on {result.training_rows} rows known before the cut-off "
        f"(late rate {_fmt(result.training_late_rate, '{:.1%}')}); model {result.model_version}",
        f"  scored {m.rows} rows dated {result.test_from} .. {result.test_to} "
        f"(late rate {_fmt(m.late_rate, '{:.1%}')})",
    ]
    if result.fallback_reason:
        lines.append(f"  NO MODEL: {result.fallback_reason}")
    lines += [
        "",
        f"  {'metric':<22}{'model':>10}{'baseline':>10}   better",
        f"  {'AUC (higher better)':<22}{_fmt(m.auc):>10}{_fmt(b.auc):>10}   "
        f"{_better(m.auc, b.auc, higher=True)}",
        f"  {'Brier (lower better)':<22}{_fmt(m.brier, '{:.4f}'):>10}{_fmt(b.brier, '{:.4f}'):>10}   "
        f"{_better(m.brier, b.brier, higher=False)}",
        f"  {'lift in top decile':<22}{_fmt(m.lift_top_decile, '{:.2f}'):>10}"
        f"{_fmt(b.lift_top_decile, '{:.2f}'):>10}   "
        f"{_better(m.lift_top_decile, b.lift_top_decile, higher=True)}",
        "",
        "  calibration by decile of the score (mean predicted / observed late rate)",
        f"  {'decile':<8}{'rows':>8}{'model pred':>12}{'observed':>10}{'base pred':>12}{'observed':>10}",
    ]
    for mc, bc in zip(m.calibration, b.calibration, strict=False):
        lines.append(
            f"  {mc['decile']:<8}{mc['rows']:>8}{mc['mean_predicted']:>12.3f}{mc['observed_rate']:>10.3f}"
            f"{bc['mean_predicted']:>12.3f}{bc['observed_rate']:>10.3f}"
        )
    verdict = "beats" if result.model_beats_baseline else "does NOT beat"
    lines += ["", f"  The model {verdict} the naive baseline on both AUC and Brier score."]
    return "\n".join(lines)


def _better(model: float | None, baseline: float | None, *, higher: bool) -> str:
    if model is None or baseline is None:
        return "n/a"
    if model == baseline:
        return "tie"
    return "model" if (model > baseline) == higher else "baseline"
