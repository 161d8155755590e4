"""Who outreach comes from: `LEDGERLOOP_MAIL_FROM` or a policy sender, never a built-in
`@localhost` address; and links point at the portal actually served."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.outreach.drafts import sender_from_env
from orchestration.policy import load_policy
from orchestration.policy.dunning import Dunning, Sender
from orchestration.settings import REPO_ROOT
from portal.served import portal_base_url, record_served_url, served_url
from portal.settings import PortalSettings

SHIPPED = load_policy(REPO_ROOT / "ledgerloop.yaml")


def test_director_and_alert_emails_come_from_mail_from_else_the_policy_sender():
    assert sender_from_env(SHIPPED, {}).address == "collections@meridianpartners.example"
    assert sender_from_env(SHIPPED, {}).team == "Meridian Partners Accounts Receivable"
    env = {"LEDGERLOOP_MAIL_FROM": "ar@firm.example", "LEDGERLOOP_MAIL_TEAM": "AR"}
    chosen = sender_from_env(SHIPPED, env)
    assert (chosen.address, chosen.team) == ("ar@firm.example", "AR")


def test_no_shipped_default_sends_from_localhost():
    assert Sender().email is None
    bare = SHIPPED.model_copy(update={"dunning": Dunning()})
    with pytest.raises(ValueError, match="set LEDGERLOOP_MAIL_FROM or dunning.senders.email"):
        sender_from_env(bare, {})
    with pytest.raises(ValueError, match="dunning.senders.email in ledgerloop.yaml or LEDGERLOOP_MAIL_FROM"):
        Dunning().sender("NYC")
    assert Dunning().with_mail_from("ar@firm.example").sender("NYC").email == "ar@firm.example"
    with pytest.raises(ValueError, match="LEDGERLOOP_MAIL_FROM='a@b, c@d' is not one email address"):
        Dunning().with_mail_from("a@b, c@d")


def test_an_office_sender_without_an_address_uses_the_default_senders():
    dunning = SHIPPED.dunning.model_copy(update={"office_senders": {"LDN": Sender(name="London AR")}})
    london = dunning.sender("LDN")
    assert (london.name, london.email) == ("London AR", "collections@meridianpartners.example")
    assert SHIPPED.dunning.with_mail_from("ar@firm.example").sender("LDN").email == (
        "collections.london@meridianpartners.example"  # the policy's own sender wins for customers
    )


def test_served_url_of_a_wildcard_or_ipv6_bind_is_reachable():
    assert served_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert served_url("::1", 8123) == "http://[::1]:8123"
    assert served_url("0.0.0.0", 8123).startswith("http://") and "0.0.0.0" not in served_url("0.0.0.0", 8123)


def test_links_follow_the_served_portal_unless_the_environment_names_one(tmp_path):
    assert portal_base_url(tmp_path, None) == "http://127.0.0.1:8000"
    path = record_served_url(tmp_path, "http://127.0.0.1:8123")
    assert path.stat().st_mode & 0o777 == 0o600
    assert portal_base_url(tmp_path, None) == "http://127.0.0.1:8123"
    assert portal_base_url(tmp_path, "https://ar.firm.example/") == "https://ar.firm.example"
    settings = PortalSettings.from_env({"LEDGERLOOP_HOME": str(tmp_path), "LEDGERLOOP_SECRET_KEY": "k" * 40})
    assert settings.base_url == "http://127.0.0.1:8123"


def test_ledgerloop_portal_records_the_port_it_serves_and_link_uses_it(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "k" * 40)
    code = (
        "import uvicorn; uvicorn.run = lambda *a, **k: None; "
        "from orchestration.cli.portal import portal_command; portal_command()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--port", "8765"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Director portal: http://127.0.0.1:8765" in done.stdout
    minted = CliRunner().invoke(main, ["link", "dana@example.com", "--role", "director"])
    assert minted.exit_code == 0, minted.output
    assert minted.output.strip().splitlines()[-1].startswith("http://127.0.0.1:8765/d/")


def test_dunning_preview_without_any_sender_address_says_which_setting(tmp_path, monkeypatch):
    import yaml

    data = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text())
    data["dunning"].pop("senders")
    data["dunning"].pop("office_senders")
    config = tmp_path / "ledgerloop.yaml"
    config.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("LEDGERLOOP_CONFIG", str(config))
    monkeypatch.delenv("LEDGERLOOP_MAIL_FROM", raising=False)
    result = CliRunner().invoke(main, ["dunning", "preview", "--date", "2026-12-01", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "no sender address for notices: set dunning.senders.email in ledgerloop.yaml" in result.output
