"""The `kpis:` section of ledgerloop.yaml: validated at load and passed to dbt as vars."""

from pathlib import Path

import pytest
import yaml

from orchestration.policy import PolicyError, load_policy
from orchestration.settings import REPO_ROOT

POLICY = REPO_ROOT / "ledgerloop.yaml"


def _write(tmp_path: Path, kpis: dict | None) -> Path:
    data = yaml.safe_load(POLICY.read_text())
    data.pop("kpis")
    if kpis is not None:
        data["kpis"] = kpis
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_kpis_policy_settings_reach_dbt_vars(tmp_path):
    policy = load_policy(_write(tmp_path, {"countback_months": 6, "cei_period_days": 91}))
    assert policy.dbt_vars()["kpis"] == {"countback_months": 6, "cei_period_days": 91}


def test_kpis_policy_defaults_when_the_section_is_missing(tmp_path):
    assert load_policy(_write(tmp_path, None)).dbt_vars()["kpis"] == {
        "countback_months": 12, "cei_period_days": 30}


def test_kpis_policy_error_names_the_key_of_a_bad_setting(tmp_path):
    with pytest.raises(PolicyError, match=r"kpis\.countback_months: .*greater than or equal to 1"):
        load_policy(_write(tmp_path, {"countback_months": 0}))
    with pytest.raises(PolicyError, match=r"kpis\.cei_period: Extra inputs are not permitted"):
        load_policy(_write(tmp_path, {"cei_period": 30}))
