"""`ledgerloop drafts list|approve|send` against a loopback SMTP server."""

import pytest
from click.testing import CliRunner

from notifications.outbox import Outbox
from orchestration.cli.drafts import drafts
from orchestration.outreach.portal_store import open_store
from portal.store import audit_log
from tests.notifications.helpers import job, message
from tests.notifications.smtp_double import smtp_server

DAY = "2026-11-23"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    outbox = Outbox(tmp_path / "outbox")
    outbox.write_draft(DAY, "dana", message())
    outbox.write_draft(DAY, "lee", message([job(director_email="lee@example.com")],
                                            name="Lee Park", email="lee@example.com"))
    return tmp_path


@pytest.fixture
def smtp(monkeypatch):
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("LEDGERLOOP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LEDGERLOOP_SMTP_PORT", str(port))
        monkeypatch.setenv("LEDGERLOOP_SMTP_SECURITY", "none")
        yield inbox


def cli(*args):
    result = CliRunner().invoke(drafts, list(args), catch_exceptions=False)
    return result


def test_cli_drafts_approve_then_send_once(home, smtp):
    listed = cli("list")
    assert listed.exit_code == 0
    assert f"drafts    {DAY}/dana  to Dana Diaz <dana@example.com>" in listed.output
    assert cli("send", "--as", "kim").output.endswith("0 sent, 0 refused, 0 uncertain\n")
    assert smtp.messages == []
    approved = cli("approve", f"{DAY}/dana", "--as", "kim")
    assert approved.output == f"approved  {DAY}/dana\n"
    sent = cli("send", "--as", "kim")
    assert f"sent      {DAY}/dana" in sent.output
    assert cli("send", "--as", "kim").output.endswith("0 sent, 0 refused, 0 uncertain\n")
    assert len(smtp.messages) == 1
    with open_store(home) as store:
        assert [(e.actor, e.action) for e in audit_log.entries(store)] == [
            ("kim", "email.approved"), ("kim", "email.sent")]
    assert f"sent      {DAY}/dana" in cli("list", "--state", "sent").output


def test_cli_drafts_approve_all_of_a_date(home, smtp):
    assert cli("approve", "--all", "--date", DAY).exit_code == 0
    cli("send")
    assert len(smtp.messages) == 2


def test_cli_drafts_approve_needs_names_or_all(home):
    result = CliRunner().invoke(drafts, ["approve"])
    assert result.exit_code == 2 and "name the drafts to approve, or pass --all" in result.output


def test_cli_drafts_approve_unknown_name_is_an_error(home):
    result = CliRunner().invoke(drafts, ["approve", f"{DAY}/nobody"])
    assert result.exit_code == 1 and f"no draft named {DAY}/nobody" in result.output


def test_cli_drafts_send_without_smtp_settings_says_which_variable(home, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_SMTP_HOST", raising=False)
    result = CliRunner().invoke(drafts, ["send"])
    assert result.exit_code == 1 and "LEDGERLOOP_SMTP_HOST is not set" in result.output


def test_cli_drafts_send_reports_a_server_that_is_down(home, monkeypatch):
    monkeypatch.setenv("LEDGERLOOP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEDGERLOOP_SMTP_PORT", "1")
    monkeypatch.setenv("LEDGERLOOP_SMTP_SECURITY", "none")
    cli("approve", "--all")
    result = CliRunner().invoke(drafts, ["send"])
    assert result.exit_code == 1 and "SMTP delivery to 127.0.0.1:1 stopped" in result.output
    assert len(Outbox(home / "outbox").items("approved")) == 2
