"""`ledgerloop link NAME`: a roster name or a director's name works like their email, a name that
fits several people is refused with their emails, and the command answers fast (it loads neither
Dagster, dbt nor the whole policy model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.cli.people import AmbiguousName, NameNotFound, Person, find_person
from orchestration.settings import REPO_ROOT
from portal.links import LinkSigner, StaffLinkSigner
from portal.settings import PortalSettings
from portal.store import audit_log, connect, director_jobs
from tests.portal.portal_factories import STATUSES, job

POLICY = REPO_ROOT / "ledgerloop.yaml"
TEAM = [
    Person("Jordan Ellis", "jordan.ellis@x.example", "collector", "NYC"),
    Person("Jordan Price", "jordan.price@x.example", "collector", "LDN"),
    Person("José Álvarez", "jose.alvarez@x.example", "manager", "LDN"),
    Person("Dana Whitfield", "dana.whitfield@x.example", "manager"),
    Person("Dana Whitfield", "dana.whitfield@x.example", "director"),
]


def test_find_person_by_full_name_regardless_of_case_accents_and_spaces():
    assert find_person("  jose   ALVAREZ ", TEAM).email == "jose.alvarez@x.example"


def test_find_person_by_a_first_name_or_surname_only_one_person_has():
    assert find_person("Price", TEAM).email == "jordan.price@x.example"
    assert find_person("josé", TEAM).role == "manager"


def test_find_person_refuses_a_name_several_people_have_and_lists_them():
    with pytest.raises(AmbiguousName) as refused:
        find_person("Jordan", TEAM)
    assert [c.email for c in refused.value.candidates] == ["jordan.ellis@x.example", "jordan.price@x.example"]
    assert "Jordan Ellis <jordan.ellis@x.example> (collector, NYC)" in str(refused.value)
    assert "Jordan Price <jordan.price@x.example> (collector, LDN)" in str(refused.value)


def test_find_person_counts_a_manager_who_is_also_a_director_once_as_the_manager():
    assert find_person("Dana", TEAM) == TEAM[3]


def test_find_person_says_when_no_one_has_the_name():
    with pytest.raises(NameNotFound, match="no one named 'Zelda'"):
        find_person("Zelda", TEAM)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home whose policy has two collectors called Jordan and whose store knows a director."""
    policy = tmp_path / "ledgerloop.yaml"
    policy.write_text(POLICY.read_text(encoding="utf-8").replace(
        "name: Casey Nguyen", "name: Jordan Nguyen"), encoding="utf-8")
    for key, value in {"LEDGERLOOP_HOME": str(tmp_path), "LEDGERLOOP_CONFIG": str(policy),
                       "LEDGERLOOP_SECRET_KEY": "", "LEDGERLOOP_PORTAL_DB_URL": "",
                       "LEDGERLOOP_PORTAL_URL": ""}.items():
        monkeypatch.setenv(key, value)
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    director_jobs.publish(store, [job(director_email="lena.fischer@meridianpartners.example")], STATUSES)
    store.close()
    return tmp_path


def _link(*args: str):
    return CliRunner().invoke(main, ["link", *args])


def _claims(url: str, role: str | None):
    settings = PortalSettings.from_env()
    token = url.rsplit("/", 1)[1]
    if role is None:
        return LinkSigner(settings.secret_key, 3600).verify(token)
    return StaffLinkSigner(settings.secret_key, 3600, role).verify(token)


def test_link_takes_a_collectors_roster_name(home):
    result = _link("Avery Brooks")
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[-1]
    assert "/c/" in url
    assert _claims(url, "collector").email == "avery.brooks@meridianpartners.example"


def test_link_takes_the_name_of_a_director_with_published_jobs(home):
    result = _link("lena.fischer")  # the factory names the director after the email: "Lena.Fischer"
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert _claims(url, None).director_email == "lena.fischer@meridianpartners.example"


def test_link_refuses_an_ambiguous_name_with_the_candidates_emails(home):
    result = _link("Jordan")
    assert result.exit_code == 2
    assert "'Jordan' fits 2 people; use one of their emails" in result.output
    assert "jordan.ellis@meridianpartners.example" in result.output
    assert "casey.nguyen@meridianpartners.example" in result.output
    assert audit_log.entries(connect(f"sqlite:///{home / 'portal.sqlite3'}")) == []


def test_link_revokes_by_name(home):
    result = _link("Jordan Ellis", "--revoke")
    assert result.exit_code == 0, result.output
    assert "Revoked every link of jordan.ellis@meridianpartners.example" in result.output


def test_link_answers_fast_without_loading_dagster_dbt_or_the_policy_model(home):
    code = ("import json, sys, time; started = time.perf_counter(); "
            "sys.argv = ['ledgerloop', 'link', 'Avery Brooks']; from orchestration.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('dagster', 'dagster_dbt', 'dbt', 'duckdb', 'pandas', 'jinja2', "
            "'great_expectations', 'orchestration.policy.model') if m in sys.modules)\n"
            "print(json.dumps({'seconds': time.perf_counter() - started, 'heavy': heavy}))")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ}, cwd=home)
    wall = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    link, report = done.stdout.strip().splitlines()[-2:]
    assert "/c/" in link
    measured = json.loads(report)
    assert measured["heavy"] == []
    # Under a second on a quiet machine (0.4 s of CPU with bytecode cached); loose for busy CI.
    assert wall < 3, f"ledgerloop link took {wall:.1f} s ({measured['seconds']:.1f} s in the command)"
