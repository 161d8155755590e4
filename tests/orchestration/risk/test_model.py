"""The payment-risk model: contributions explain the score, no leakage, fallbacks never crash."""

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from orchestration.policy.risk import Risk
from orchestration.risk.daily import fit_for_day
from orchestration.risk.model import feature_columns, fit, predict, training_rows
from orchestration.risk.score import score
from tests.orchestration.risk.synthetic import panel

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def frame():
    return panel(accounts=300, months=24, seed=3)


def score_current(frame, config, as_of):
    """Fit for the day, then score the current rows, as marts.account_risk does."""
    model = fit_for_day(frame, config, as_of)
    return model, score(model, frame.loc[frame["is_current"]], config)


@pytest.fixture(scope="module")
def scored(frame):
    return score_current(frame, Risk(), AS_OF)


def logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def test_score_current_scores_every_current_row_once(frame, scored):
    _, rows = scored
    assert sorted(rows["account_id"]) == sorted(frame.loc[frame["is_current"], "account_id"])
    assert set(rows["as_of"]) == {AS_OF}


def test_intercept_plus_contributions_reproduce_the_logit_of_every_score(scored):
    model, rows = scored
    assert not model.is_fallback
    for _, row in rows.iterrows():
        drivers = json.loads(row["drivers"])
        total = row["intercept"] + sum(d["contribution"] for d in drivers)
        assert abs(total - logit(row["risk_score"])) < 1e-9


def test_model_scores_match_scikit_learn_predict_proba(frame, scored):
    from sklearn.linear_model import LogisticRegression

    model, rows = scored
    train = training_rows(frame, AS_OF, Risk())
    z = (train[list(model.features)].to_numpy(float) - model.means) / model.scales
    reference = LogisticRegression(C=1.0, l1_ratio=0, max_iter=1000).fit(
        z, train["label_is_late"].astype(bool)
    )
    current = frame.loc[frame["is_current"], list(model.features)].to_numpy(float)
    capped = np.clip(current, model.lower, model.upper)  # the training range
    expected = reference.predict_proba((capped - model.means) / model.scales)[:, 1]
    assert np.allclose(rows["risk_score"].to_numpy(), expected, atol=1e-6)


def test_drivers_list_every_feature_sorted_by_absolute_contribution(scored):
    model, rows = scored
    for text in rows["drivers"].head(50):
        drivers = json.loads(text)
        assert [d["feature"] for d in drivers] != [] and set(d["feature"] for d in drivers) == set(
            model.features
        )
        sizes = [abs(d["contribution"]) for d in drivers]
        assert sizes == sorted(sizes, reverse=True)
        assert set(drivers[0]) == {"feature", "value", "contribution"}


def test_driver_value_is_the_raw_feature_value(frame, scored):
    _, rows = scored
    current = frame.loc[frame["is_current"]].set_index("account_id")
    row = rows.iloc[0]
    for driver in json.loads(row["drivers"]):
        assert driver["value"] == pytest.approx(current.loc[row["account_id"], driver["feature"]])


def test_top_driver_names_the_largest_contribution(scored):
    _, rows = scored
    first = json.loads(rows.iloc[0]["drivers"])[0]
    assert rows.iloc[0]["top_driver"].startswith(first["feature"].removeprefix("f_").replace("_", " "))
    assert ("raises" if first["contribution"] > 0 else "lowers") in rows.iloc[0]["top_driver"]


def test_risk_band_follows_the_policy_cut_offs(scored):
    _, rows = scored
    bands = Risk().bands
    for _, row in rows.iterrows():
        assert row["risk_band"] == bands.band(row["risk_score"])


def test_more_days_late_means_higher_risk(frame, scored):
    model, _ = scored
    current = frame.loc[frame["is_current"]].head(1)
    later = current.assign(f_days_late_mean=current["f_days_late_mean"] + 30)
    assert predict(model, later)[0] > predict(model, current)[0]
    assert dict(zip(model.features, model.coefficients, strict=True))["f_days_late_mean"] > 0


def test_model_version_changes_with_the_coefficients_and_is_stable(frame, scored):
    model, _ = scored
    again, _ = score_current(frame, Risk(), AS_OF)
    other, _ = score_current(frame, Risk(regularization=0.001), AS_OF)
    assert model.version == again.version and model.version.startswith("logreg-")
    assert other.version != model.version


def test_a_label_known_only_after_the_scoring_date_never_trains(frame):
    cutoff = dt.date(2026, 6, 1)
    config = Risk()
    rows = frame.copy()
    rows["label_known_on"] = pd.to_datetime(rows["as_of"]) + pd.Timedelta(days=40)
    train = training_rows(rows, cutoff, config)
    assert (train["label_known_on"] < pd.Timestamp(cutoff)).all()
    # A row dated before the cut-off whose label came after it is left out.
    late_label = rows.index[
        (pd.to_datetime(rows["as_of"]) == pd.Timestamp("2026-05-31")) & rows["label_is_late"].notna()
    ][0]
    assert late_label not in train.index
    assert (pd.to_datetime(train["as_of"]) < pd.Timestamp(cutoff)).all()


def test_without_label_known_on_the_label_window_decides(frame):
    cutoff = dt.date(2026, 6, 1)
    train = training_rows(frame, cutoff, Risk(label_window_days=120))
    newest = pd.to_datetime(train["as_of"]).max()
    assert newest + pd.Timedelta(days=120) < pd.Timestamp(cutoff)


def test_leaked_labels_after_the_cutoff_do_not_change_the_model(frame):
    cutoff = dt.date(2026, 6, 1)
    config = Risk()
    features = feature_columns(frame, config)
    model = fit(training_rows(frame, cutoff, config), features, config)
    poisoned = frame.copy()
    after = pd.to_datetime(poisoned["as_of"]) >= pd.Timestamp(cutoff) - pd.Timedelta(
        days=config.label_window_days
    )
    poisoned.loc[after & poisoned["label_is_late"].notna(), "label_is_late"] = True
    assert fit(training_rows(poisoned, cutoff, config), features, config).version == model.version


def test_current_rows_never_train(frame):
    rows = frame.copy()
    rows.loc[rows["is_current"], "label_is_late"] = True
    train = training_rows(rows, AS_OF + dt.timedelta(days=365), Risk(training_window_months=60))
    assert not train["is_current"].any()


def test_history_with_one_class_falls_back_to_the_prior_with_a_driver_saying_why(frame):
    rows = frame.copy()
    rows.loc[rows["label_is_late"].notna(), "label_is_late"] = False
    model, result = score_current(rows, Risk(), AS_OF)
    assert model.is_fallback and model.version.startswith("prior-")
    drivers = json.loads(result.iloc[0]["drivers"])
    assert drivers[0]["feature"] == "fallback_prior" and "one-sided" in drivers[0]["reason"]
    assert result.iloc[0]["top_driver"].startswith("no model: history too one-sided")
    # No late row at all: the prior is pulled below the policy's 20% toward the history's 0%.
    assert 0 < result["risk_score"].iloc[0] < 0.2
    assert abs(result.iloc[0]["intercept"] - logit(result.iloc[0]["risk_score"])) < 1e-9


def test_too_little_history_falls_back_to_the_policy_prior():
    rows = panel(accounts=3, months=2)
    model, result = score_current(rows, Risk(), AS_OF)
    assert model.is_fallback and "too little history" in model.fallback_reason
    assert len(result) == 3 and set(result["risk_band"]) <= {"low", "medium", "high"}


def test_no_history_at_all_scores_the_policy_prior():
    rows = panel(accounts=2, months=1)
    rows = rows.loc[rows["is_current"]]
    model, result = score_current(rows, Risk(fallback_prior=0.3), AS_OF)
    assert result["risk_score"].tolist() == pytest.approx([0.3, 0.3])


def test_no_current_rows_give_an_empty_table(frame):
    _, result = score_current(frame.loc[~frame["is_current"]], Risk(), AS_OF)
    assert result.empty and list(result.columns)[:4] == ["account_id", "as_of", "risk_score", "risk_band"]


def test_constant_features_are_left_out_of_the_model():
    rows = panel(accounts=200, months=12, constant_feature=True)
    model, result = score_current(rows, Risk(), AS_OF)
    assert "f_constant" in model.constant_features and "f_constant" not in model.features
    assert np.isfinite(result["risk_score"]).all()


def test_policy_feature_list_picks_the_features_and_names_missing_ones(frame):
    model, _ = score_current(frame, Risk(features=["f_days_late_mean", "f_share_late"]), AS_OF)
    assert model.features == ("f_days_late_mean", "f_share_late")
    with pytest.raises(ValueError, match="risk.features: not in the feature table: \\['f_nope'\\]"):
        score_current(frame, Risk(features=["f_nope"]), AS_OF)


def test_score_handles_a_feature_frame_from_duckdb_with_nullable_labels(frame):
    import duckdb

    from_duckdb = duckdb.sql("select * from frame").df()
    model, result = score_current(from_duckdb, Risk(), AS_OF)
    assert not model.is_fallback and len(result) == 300
    assert (
        score(model, from_duckdb.loc[from_duckdb["is_current"]].head(2), Risk())["risk_score"]
        .between(0, 1)
        .all()
    )


def test_a_null_feature_is_an_error_naming_it(frame):
    rows = frame.copy()
    rows.loc[rows.index[:3], "f_share_late"] = np.nan
    with pytest.raises(ValueError, match=r"null or infinite values .*\{'f_share_late': 3\}"):
        score_current(rows, Risk(), AS_OF)


def test_a_value_beyond_the_history_is_capped_to_the_training_range(frame, scored):
    model, _ = scored
    current = frame.loc[frame["is_current"]].head(1)
    highest = frame.loc[~frame["is_current"], "f_days_late_mean"].max()
    at_max = current.assign(f_days_late_mean=highest)
    beyond = current.assign(f_days_late_mean=highest + 1000)
    assert predict(model, beyond)[0] == pytest.approx(predict(model, at_max)[0])
    row = score(model, beyond, Risk()).iloc[0]
    driver = next(d for d in json.loads(row["drivers"]) if d["feature"] == "f_days_late_mean")
    assert driver["value"] == highest + 1000


def test_the_model_does_not_depend_on_the_order_the_warehouse_returns_rows_in(frame):
    """An incremental run writes the feature table in another order than a full rebuild; the
    sampled and fitted model (its version hashes the coefficients) and the scores stay the same."""
    config = Risk(max_training_rows=2_000)  # the sample is taken too
    shuffled = frame.sample(frac=1.0, random_state=11)
    model, rows = score_current(frame, config, AS_OF)
    again, rows_again = score_current(shuffled, config, AS_OF)
    assert again.version == model.version
    by_account = rows.set_index("account_id")["risk_score"].sort_index()
    assert by_account.equals(rows_again.set_index("account_id")["risk_score"].sort_index())
