"""The day's risk model: stored as JSON and read back, it scores exactly as the fitted one; its key
changes with the policy and the features, not with the history."""

import datetime as dt

import numpy as np
import pytest

from orchestration.policy.risk import Risk
from orchestration.risk.daily import fit_for_day, fit_key, fit_row, model_inputs, stored_model
from orchestration.risk.model import RiskModel
from orchestration.risk.score import score
from tests.orchestration.risk.synthetic import panel

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def frame():
    return panel(accounts=200, months=18, seed=5)


def test_a_stored_model_scores_every_account_exactly_as_the_fitted_one(frame):
    model = fit_for_day(frame, Risk(), AS_OF)
    as_of, key, version, text, training, late = fit_row(model, AS_OF, "k")
    kept = stored_model([(text,)], AS_OF, key)
    current = frame.loc[frame["is_current"]]
    assert (as_of, version, training, late) == (AS_OF, model.version, model.training_rows, model.late_rows)
    assert kept.version == model.version and not model.is_fallback
    assert score(kept, current, Risk()).equals(score(model, current, Risk()))


def test_a_stored_fallback_keeps_its_reason(frame):
    fallback = fit_for_day(frame, Risk(min_training_rows=10**9), AS_OF)
    kept = RiskModel.from_json(fallback.to_json())
    assert kept.is_fallback and kept.fallback_reason == fallback.fallback_reason
    assert kept.intercept == fallback.intercept and kept.version == fallback.version


def test_the_fit_key_follows_the_policy_and_the_features_not_the_history(frame):
    key = fit_key(Risk(), frame.columns)
    assert fit_key(Risk(), frame.iloc[:10].columns) == key
    assert fit_key(Risk(regularization=0.001), frame.columns) != key
    assert fit_key(Risk(), frame.drop(columns=["f_days_late_mean"]).columns) != key
    assert fit_key(Risk(), [*frame.columns, "not_a_feature"]) == key


def test_a_day_without_its_one_model_is_an_error_naming_where_fits_are_kept():
    expected = "one risk model fitted for 2026-11-23.*found 0.*int_account_risk_fits"
    with pytest.raises(ValueError, match=expected):
        stored_model([], AS_OF, "k")


@pytest.mark.parametrize(("policy", "as_of", "message"), [
    (None, "2026-11-23", "var 'risk' is required"),
    ("{}", "None", "var 'as_of' is required"),
])
def test_model_inputs_name_the_var_ledgerloop_did_not_pass(policy, as_of, message):
    with pytest.raises(ValueError, match=message):
        model_inputs(policy, as_of)


def test_model_inputs_read_the_policy_and_the_day():
    config, as_of = model_inputs('{"regularization": 0.5}', "2026-11-23")
    assert config.regularization == 0.5 and as_of == AS_OF
    assert np.isclose(config.bands.high, Risk().bands.high)


def test_model_inputs_take_the_day_from_dbt_s_environment_when_no_var_was_given(monkeypatch):
    # The pipeline passes the day as LEDGERLOOP_AS_OF (a var moving daily made dbt parse anew).
    monkeypatch.setenv("LEDGERLOOP_AS_OF", "2026-11-24")
    assert model_inputs("{}", "None")[1] == dt.date(2026, 11, 24)
    assert model_inputs("{}", "2026-11-23")[1] == AS_OF  # a var given by hand comes first
