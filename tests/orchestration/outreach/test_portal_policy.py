"""The `portal:` section of ledgerloop.yaml: which jobs need an answer, and the status choices."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from orchestration.policy import PolicyError, load_policy
from orchestration.settings import REPO_ROOT

POLICY = REPO_ROOT / "ledgerloop.yaml"


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(POLICY.read_text())
    change(data)
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_portal_policy_shipped_with_the_repo_loads():
    portal = load_policy(POLICY).portal
    assert portal.needs_answer.min_days_past_due == 30
    assert portal.needs_answer.min_balance == Decimal("500.00")
    assert portal.statuses[0].label == "Payment is on its way"
    assert portal.question_for("Disputed") == portal.questions["Disputed"]
    assert portal.question_for("Follow Up") == portal.question
    assert portal.question_for(None) == portal.question


def test_portal_policy_passes_the_status_mapping_to_dbt():
    dbt_vars = load_policy(POLICY).dbt_vars()
    assert dbt_vars["portal_status_stages"][1] == {"label": "Client disputes the invoice",
                                                   "stage": "Disputed"}


@pytest.mark.parametrize(("change", "error"), [
    (lambda p: p["statuses"].append({"label": "Gone", "stage": "Lost"}),
     r"portal: statuses: unknown stage\(s\) \['Lost'\]"),
    (lambda p: p["needs_answer"]["stages"].append("Stuck"),
     r"portal: needs_answer\.stages: unknown stage\(s\) \['Stuck'\]"),
    (lambda p: p["questions"].update({"Nope": "?"}), r"portal: questions: unknown stage\(s\) \['Nope'\]"),
    (lambda p: p["statuses"].append(dict(p["statuses"][0])), r"portal\.statuses: .*labels must be unique"),
    (lambda p: p.update(statuses=[]), r"portal\.statuses: .*at least one status"),
    (lambda p: p["needs_answer"].update(min_balance=-1), r"portal\.needs_answer\.min_balance"),
    (lambda p: p["needs_answer"].update(min_balance=1.005), r"portal\.needs_answer\.min_balance"),
    (lambda p: p.update(statues=[]), r"portal\.statues: Extra inputs are not permitted"),
])
def test_portal_policy_error_names_the_key(tmp_path, change, error):
    path = _write(tmp_path, lambda d: change(d["portal"]))
    with pytest.raises(PolicyError, match=error):
        load_policy(path)


def test_portal_policy_section_is_optional(tmp_path):
    portal = load_policy(_write(tmp_path, lambda d: d.pop("portal"))).portal
    assert portal.needs_answer.stages == [] and portal.statuses[0].stage == "Promised"
