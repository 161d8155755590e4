"""Backtest metrics on cases small enough to compute by hand, the naive baseline, and the
model against the baseline on a synthetic history."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from orchestration.policy.risk import Risk
from orchestration.risk.backtest import (
    NO_HISTORY,
    auc,
    baseline_band,
    brier,
    calibration,
    default_cutoff,
    fit_baseline,
    format_table,
    gains,
    lift_top_decile,
    predict_baseline,
    roc_curve,
    run_backtest,
)
from tests.orchestration.risk.synthetic import panel

CUTOFF = dt.date(2026, 3, 1)


def test_auc_of_a_perfect_ranking_is_one_and_of_a_reversed_one_zero():
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0


def test_auc_counts_pairs_and_ties_half():
    # Late rows score 0.8 and 0.4; on-time rows 0.6 and 0.4. Pairs: (0.8>0.6) 1, (0.8>0.4) 1,
    # (0.4<0.6) 0, (0.4=0.4) 0.5 -> 2.5 / 4.
    assert auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.4]) == pytest.approx(0.625)


def test_auc_is_undefined_with_one_class():
    assert auc([1, 1], [0.2, 0.3]) is None
    assert auc([], []) is None


def test_brier_is_the_mean_squared_error_of_the_probabilities():
    # (0.9-1)^2 + (0.2-0)^2 + (0.5-1)^2 + (0-0)^2 = 0.01 + 0.04 + 0.25 + 0 = 0.30 / 4
    assert brier([1, 0, 1, 0], [0.9, 0.2, 0.5, 0.0]) == pytest.approx(0.075)
    assert brier([], []) is None


def test_calibration_splits_by_score_into_deciles_lowest_first():
    scores = np.arange(20) / 20
    labels = [0] * 10 + [1] * 10
    table = calibration(labels, scores)
    assert [row["rows"] for row in table] == [2] * 10
    assert table[0]["mean_predicted"] == pytest.approx(0.025) and table[0]["observed_rate"] == 0
    assert table[-1]["mean_predicted"] == pytest.approx(0.925) and table[-1]["observed_rate"] == 1


def test_lift_in_the_top_decile_compares_its_late_rate_with_the_overall_one():
    # 20 rows, 4 late (20%); the 2 highest scores are both late: 100% / 20% = 5.
    labels = [1, 1] + [0] * 16 + [1, 1]
    scores = [0.9, 0.8] + [0.1] * 18
    assert lift_top_decile(labels, scores) == pytest.approx(5.0)
    assert lift_top_decile([0, 0], [0.1, 0.2]) is None


def test_gains_reach_every_late_row_when_every_row_is_worked():
    points = gains([1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0.9, 0.1, 0.1, 0.8, 0, 0, 0, 0, 0, 0])
    assert points[1] == {"share_worked": 0.2, "share_late_caught": 1.0}
    assert points[-1]["share_late_caught"] == 1.0


def test_roc_curve_runs_from_origin_to_the_corner_and_merges_ties():
    points = roc_curve([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1])
    assert points == [(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]


def test_baseline_bands_of_the_last_invoice_lateness():
    bands = baseline_band(pd.Series([-3, 0, 5, 20, 45, 75, 120, None]))
    assert bands.tolist() == ["on time", "on time", "1-15", "16-30", "31-60", "61-90", "90+", NO_HISTORY]


def test_baseline_scores_a_band_by_its_smoothed_training_late_rate():
    train = pd.DataFrame(
        {"baseline_last_days_late": [0, 0, 0, 40, 40], "label_is_late": [False, False, True, True, True]}
    )
    rates = fit_baseline(train)
    overall = 3 / 5
    assert rates["on time"] == pytest.approx((1 + 2 * overall) / (3 + 2))
    assert rates["31-60"] == pytest.approx((2 + 2 * overall) / (2 + 2))
    unseen = pd.DataFrame({"baseline_last_days_late": [100]})
    assert predict_baseline(rates, unseen).tolist() == [pytest.approx(overall)]


@pytest.fixture(scope="module")
def backtest():
    return run_backtest(panel(accounts=300, months=24, seed=5), CUTOFF, Risk())


def test_backtest_model_beats_the_naive_baseline_on_synthetic_history(backtest):
    result, _ = backtest
    assert result.model.auc > result.baseline.auc
    assert result.model.brier < result.baseline.brier
    assert result.model_beats_baseline


def test_backtest_trains_before_and_scores_after_the_cutoff(backtest):
    result, _ = backtest
    assert result.test_from >= CUTOFF
    assert result.training_rows > 0 and result.model.rows > 0
    assert result.model.rows == result.baseline.rows


def test_backtest_table_shows_both_metrics_and_the_verdict(backtest):
    text = format_table(backtest[0])
    assert "AUC (higher better)" in text and "Brier (lower better)" in text
    assert "lift in top decile" in text and "calibration by decile" in text
    assert "The model beats the naive baseline on both AUC and Brier score." in text


def test_backtest_with_one_sided_history_reports_the_fallback():
    frame = panel(accounts=50, months=12)
    frame.loc[frame["label_is_late"].notna(), "label_is_late"] = False
    result, model = run_backtest(frame, dt.date(2026, 6, 1), Risk())
    assert model.is_fallback
    assert "NO MODEL: history too one-sided" in format_table(result)
    assert result.model.auc is None and not result.model_beats_baseline


def test_default_cutoff_is_six_months_before_the_newest_history():
    frame = pd.DataFrame({"as_of": [dt.date(2026, 1, 31), dt.date(2026, 11, 23)]})
    assert default_cutoff(frame) == dt.date(2026, 5, 23)
