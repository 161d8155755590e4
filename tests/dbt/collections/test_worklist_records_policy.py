"""The `worklist:` policy for collectors' records (promises to pay, disputes, plans) and the
roster, as ledgerloop.yaml gives them to dbt."""

from pathlib import Path

import pytest
import yaml

from orchestration.policy import PolicyError, load_policy
from orchestration.policy.worklist import WORKLIST_REASONS
from orchestration.settings import REPO_ROOT

POLICY = REPO_ROOT / "ledgerloop.yaml"
RECORDS = (
    "promise_to_pay_broken",
    "dispute_overdue",
    "promise_to_pay_due",
    "dispute_deadline_near",
    "plan_behind",
    "open_dispute",
)


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(POLICY.read_text())
    change(data["worklist"])
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_worklist_policy_lists_every_reason_once_in_the_repos_file():
    reasons = [a["reason"] for a in load_policy(POLICY).dbt_vars()["worklist"]["next_actions"]]
    assert reasons == list(WORKLIST_REASONS)


def test_worklist_policy_written_before_records_gets_their_default_actions_in_order(tmp_path):
    def drop_records(worklist):
        worklist["next_actions"] = [a for a in worklist["next_actions"] if a["reason"] not in RECORDS]
        worklist["next_actions"][0]["action"] = "Phone them today"
        for weight in (
            "promise_to_pay_broken",
            "promise_to_pay_due",
            "dispute_overdue",
            "dispute_deadline_near",
            "plan_behind",
        ):
            del worklist["weights"][weight]
        del worklist["dispute_deadline_within_days"]

    worklist = load_policy(_write(tmp_path, drop_records)).dbt_vars()["worklist"]
    assert [a["reason"] for a in worklist["next_actions"]] == list(WORKLIST_REASONS)
    kept = next(a for a in worklist["next_actions"] if a["reason"] == "broken_promise")
    assert kept["action"] == "Phone them today"
    assert worklist["weights"]["promise_to_pay_broken"] == "250"
    assert worklist["dispute_deadline_within_days"] == 3


def test_worklist_policy_error_names_a_record_reason_listed_twice(tmp_path):
    def twice(worklist):
        worklist["next_actions"].append({"reason": "plan_behind", "action": "again", "due_in_days": 1})

    with pytest.raises(PolicyError, match=r"worklist\.next_actions: .*duplicated \['plan_behind'\]"):
        load_policy(_write(tmp_path, twice))


def test_worklist_policy_error_names_a_negative_record_weight(tmp_path):
    def negative(worklist):
        worklist["weights"]["plan_behind"] = -1

    with pytest.raises(PolicyError, match=r"worklist\.weights\.plan_behind: .*greater than or equal to 0"):
        load_policy(_write(tmp_path, negative))


def test_team_roster_reaches_dbt_for_alert_owners():
    team = load_policy(POLICY).dbt_vars()["team"]
    assert {
        "name": "Avery Brooks",
        "email": "avery.brooks@meridianpartners.example",
        "office": "NYC",
    } in team["collectors"]
    assert [m["email"] for m in team["managers"] if m["office"] is None] == [
        "dana.whitfield@meridianpartners.example"
    ]
