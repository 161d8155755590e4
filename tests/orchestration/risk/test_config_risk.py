"""The `risk:` section of the policy: defaults, dbt vars, and errors that name the key."""

import pytest

from orchestration.policy import PolicyError, load_policy
from orchestration.policy.risk import Risk
from tests.orchestration.policy.test_policy import POLICY, _write


def test_policy_without_a_risk_section_gets_the_defaults(tmp_path):
    policy = load_policy(_write(tmp_path, lambda d: d.pop("risk", None)))
    assert policy.risk == Risk()
    assert policy.risk.late_threshold_days == 30 and policy.risk.bands.high == 0.5


def test_risk_settings_reach_dbt_as_vars():
    risk = load_policy(POLICY).dbt_vars()["risk"]
    assert risk["late_threshold_days"] == 30 and risk["recent_invoices"] == 6
    assert risk["credit_limits"]["max_step_change_percent"] == "25"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["bands"].update(medium=0.6),
            r"risk\.bands: .*medium \(0\.6\) must be below high \(0\.5\)",
        ),
        (lambda r: r.update(features=["days_late"]), r"risk\.features: .*start with 'f_'"),
        (
            lambda r: r["credit_limits"].update(min_limit=2000000),
            r"risk\.credit_limits: .*min_limit .* is above max_limit",
        ),
        (
            lambda r: r["credit_limits"]["band_factors"].pop("high"),
            r"risk\.credit_limits\.band_factors: .*low, medium, high",
        ),
        (lambda r: r.update(regularization=0), r"risk\.regularization: .*greater than 0"),
    ],
)
def test_policy_error_names_the_risk_key(tmp_path, change, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(_write(tmp_path, lambda d: change(d["risk"])))
