"""The `dunning:` section of ledgerloop.yaml: the shipped one loads, and errors name the key."""

import pytest

from orchestration.policy import PolicyError, load_policy
from orchestration.settings import REPO_ROOT
from tests.orchestration.dunning.dunning_fixture import write_policy


def test_dunning_policy_shipped_with_the_repo_has_segments_with_ordered_steps():
    dunning = load_policy(REPO_ROOT / "ledgerloop.yaml").dunning
    assert [s.name for s in dunning.segments] == ["high_risk", "key_accounts", "standard"]
    for segment in dunning.segments:
        offsets = [step.offset_days for step in segment.steps]
        assert offsets == sorted(offsets)
    assert {step.channel for s in dunning.segments for step in s.steps} == {
        "email",
        "sms",
        "letter",
        "call_task",
    }
    assert dunning.window("sms").start.hour == 10 and dunning.window("email").start.hour == 9


def _error(tmp_path, change) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(write_policy(tmp_path, change))
    return str(caught.value)


def test_dunning_policy_error_names_the_step_of_an_unknown_channel(tmp_path):
    def change(data):
        data["dunning"]["segments"][0]["steps"][1]["channel"] = "pigeon"

    assert "dunning.segments.0.steps.1.channel: Input should be" in _error(tmp_path, change)


def test_dunning_policy_error_names_a_missing_template_and_lists_the_known_ones(tmp_path):
    def change(data):
        data["dunning"]["segments"][2]["steps"][1]["template"] = "shouty"

    message = _error(tmp_path, change)
    assert "dunning.segments.2.steps.1.template: no sms template 'shouty'" in message
    assert "known: ['final', 'reminder']" in message


def test_dunning_policy_rejects_steps_out_of_order(tmp_path):
    def change(data):
        data["dunning"]["segments"][2]["steps"][1]["offset_days"] = 1

    assert "dunning.segments.2.steps: offset_days must increase strictly" in _error(tmp_path, change)


def test_dunning_policy_rejects_an_unknown_office_and_time_zone(tmp_path):
    def office(data):
        data["dunning"]["office_timezones"]["PAR"] = "Europe/Paris"

    assert "dunning: office_timezones: unknown office(s) ['PAR']" in _error(tmp_path, office)

    def zone(data):
        data["dunning"]["office_timezones"]["NYC"] = "Mars/Olympus"

    assert "dunning.office_timezones: NYC: unknown time zone 'Mars/Olympus'" in _error(tmp_path, zone)


def test_policy_without_a_dunning_section_still_loads_and_drafts_nothing(tmp_path):
    policy = load_policy(write_policy(tmp_path, lambda data: data.pop("dunning")))
    assert policy.dunning.segments == []
