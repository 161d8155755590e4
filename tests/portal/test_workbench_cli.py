"""`ledgerloop link` for collectors and managers on the policy's team roster (contract C1)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from orchestration.cli.portal import link_command
from portal.links import LinkInvalid, LinkSigner, StaffLinkSigner
from portal.settings import PortalSettings
from portal.store import audit_log, connect, team

COLLECTOR = "avery.brooks@meridianpartners.example"  # ledgerloop.yaml team.collectors
MANAGER = "morgan.reyes@meridianpartners.example"  # ledgerloop.yaml team.managers (NYC)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    return {
        "LEDGERLOOP_HOME": str(tmp_path),
        "LEDGERLOOP_SECRET_KEY": "",
        "LEDGERLOOP_PORTAL_DB_URL": "",
        "LEDGERLOOP_PORTAL_URL": "",
    }


def _link(env, *args) -> str:
    result = CliRunner().invoke(link_command, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _signer(env, role=None):
    settings = PortalSettings.from_env(env)
    if role is None:
        return LinkSigner(settings.secret_key, settings.link_max_age_seconds)
    return StaffLinkSigner(settings.secret_key, settings.link_max_age_seconds, role)


def test_link_for_a_rostered_collector_mints_a_collector_link_and_publishes_the_roster(env, tmp_path):
    url = _link(env, COLLECTOR.upper(), "--base-url", "https://p.example")
    assert url.startswith("https://p.example/c/")
    token = url.rsplit("/", 1)[1]
    claims = _signer(env, "collector").verify(token)
    assert (claims.role, claims.email, claims.version) == ("collector", COLLECTOR, 1)
    with pytest.raises(LinkInvalid):
        _signer(env).verify(token)  # never a director token
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    assert team.member(store, COLLECTOR, "collector").name == "Avery Brooks"
    assert team.member(store, MANAGER, "manager").office == "NYC"
    [minted] = audit_log.entries(store, "link_minted")
    assert '"role": "collector"' in minted.detail
    store.close()


def test_link_for_a_rostered_manager_mints_a_manager_link(env):
    url = _link(env, MANAGER)
    assert "/m/" in url
    assert _signer(env, "manager").verify(url.rsplit("/", 1)[1]).email == MANAGER
    with pytest.raises(LinkInvalid):
        _signer(env, "collector").verify(url.rsplit("/", 1)[1])


def test_link_for_anyone_else_is_still_a_director_link(env):
    url = _link(env, "dana@example.com")
    assert "/d/" in url
    assert _signer(env).verify(url.rsplit("/", 1)[1]).director_email == "dana@example.com"


def test_link_role_can_be_forced_but_only_to_a_role_the_person_has(env):
    assert "/d/" in _link(env, COLLECTOR, "--role", "director")
    result = CliRunner().invoke(link_command, ["dana@example.com", "--role", "collector"], env=env)
    assert result.exit_code == 1
    assert "dana@example.com is not a collector on the team roster" in result.output


def test_link_revoke_of_a_collector_bumps_their_version(env):
    assert "version 2" in CliRunner().invoke(link_command, [COLLECTOR, "--revoke"], env=env).output
    assert _signer(env, "collector").verify(_link(env, COLLECTOR).rsplit("/", 1)[1]).version == 2
