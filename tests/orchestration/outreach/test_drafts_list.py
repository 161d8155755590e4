"""`ledgerloop drafts list`: every message of every writer, as JSON a line or grouped by kind with
counts first, saying what each is about and which links it carries."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from notifications.dunning_drafts import dunning_outboxes
from notifications.outbox import Outbox
from orchestration.cli import main
from orchestration.dunning.drafting import policy_sha256, run_day
from orchestration.dunning.facts import load_accounts
from orchestration.dunning.model import Escalation
from orchestration.dunning.notices import escalation_id, notice_name, render_escalation
from orchestration.outreach.alerts import Alert, write_alert_drafts
from orchestration.outreach.drafts import write_director_drafts
from orchestration.outreach.portal_store import open_store, portal_settings
from orchestration.storage.warehouse import connect
from portal.store import audit_log
from tests.notifications.helpers import NOW, SENDER, job
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

DUE = dt.date(2026, 11, 2)
DAY = DUE + dt.timedelta(days=10)
KEYS = {"path", "kind", "state", "name", "recipient", "subject", "account_ids", "invoice_keys", "link_urls"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERLOOP_PORTAL_URL", "https://portal.example.com")
    config = write_policy(tmp_path / "config")
    monkeypatch.setenv("LEDGERLOOP_CONFIG", str(config))
    build(
        tmp_path,
        [
            ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE),
            ledger_invoice("201", "BIG", "Big Co", "25000.00", DUE, office="LDN", currency="GBP"),
        ],
        [
            ("ACME", "Ann Archer", "ann@acme.example", "+12125550101", "1 Main St", None, None),
            ("BIG", "Bo Brand", "bo@big.example", "+442079460000", "2 High St\nLondon", None, None),
        ],
    )
    rules = policy(config)
    with open_store(tmp_path) as store, connect(tmp_path / "warehouse.duckdb") as con:
        for day in (DUE + dt.timedelta(days=3), DAY):  # emails, then ACME's SMS and BIG's letter
            run_day(con, rules, policy_sha256(config), tmp_path, day, NOW, audit_log.recorder(store))
        acme = next(a for a in load_accounts(con, DAY) if a.account_id == "ACME")
        write_director_drafts(
            {"dana@example.com": [job(invoice_number="101", invoice_key="NYC:101")]},
            store,
            portal_settings(tmp_path),
            Outbox(tmp_path / "outbox"),
            DAY,
            SENDER,
            NOW,
            {"NYC:101": "ACME"},
        )
    alert = Alert("crossed_30:NYC:101", "crossed_30", "NYC:101", "ACME", "NYC:101", "Avery Brooks",
                  "avery@example.com", DAY, "Invoice 101 is 30 days past due")
    write_alert_drafts([alert], {}, Outbox(tmp_path / "outbox"), DAY, SENDER, NOW)
    escalation = Escalation("no_response:ACME", acme, "no_response", "no answer", acme.invoices)
    message = render_escalation(escalation, "Morgan Reyes", "morgan@example.com", rules.dunning, DAY, NOW)
    name = notice_name("ACME", "escalation", escalation_id(escalation))
    dunning_outboxes(tmp_path)["dunning"].write_draft(DAY.isoformat(), name, message)
    return tmp_path


def listed(*args) -> list[dict]:
    result = CliRunner().invoke(main, ["drafts", "list", "--json", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_drafts_list_json_says_what_each_message_is_and_is_about(home):
    rows = listed()
    assert all(set(row) == KEYS for row in rows)
    kinds = [row["kind"] for row in rows]
    assert sorted(set(kinds)) == sorted(
        ["director", "alert", "dunning_email", "dunning_sms", "dunning_letter", "escalation"]
    )
    assert {row["state"] for row in rows} == {"draft"}
    (director,) = [r for r in rows if r["kind"] == "director"]
    assert director["recipient"] == "dana@example.com"
    assert (director["account_ids"], director["invoice_keys"]) == (["ACME"], ["NYC:101"])
    (link,) = director["link_urls"]
    assert link.startswith("https://portal.example.com/d/") and len(link) > 40
    (alert,) = [r for r in rows if r["kind"] == "alert"]
    assert (alert["recipient"], alert["account_ids"], alert["invoice_keys"]) == (
        "avery@example.com", ["ACME"], ["NYC:101"]
    )
    sms = next(r for r in rows if r["kind"] == "dunning_sms")
    assert (sms["recipient"], sms["account_ids"]) == ("+12125550101", ["ACME"])
    assert sms["invoice_keys"] == ["NYC:101"]
    letter = next(r for r in rows if r["kind"] == "dunning_letter")
    assert letter["recipient"] == "Bo Brand / Big Co / 2 High St / London"
    assert letter["account_ids"] == ["BIG"]
    escalation = next(r for r in rows if r["kind"] == "escalation")
    assert escalation["recipient"] == "morgan@example.com" and escalation["name"].startswith("dunning:")
    assert all(r["link_urls"] == [] for r in rows if r["kind"] != "director")


def test_drafts_list_states_follow_approval(home):
    (director,) = [r for r in listed() if r["kind"] == "director"]
    result = CliRunner().invoke(main, ["drafts", "approve", director["name"], "--as", "kim"])
    assert result.exit_code == 0, result.output
    states = {r["name"]: r["state"] for r in listed()}
    assert states[director["name"]] == "approved" and list(states.values()).count("approved") == 1
    assert [r["name"] for r in listed("--state", "approved")] == [director["name"]]


def test_drafts_list_groups_by_kind_with_counts_first(home):
    output = CliRunner().invoke(main, ["drafts", "list"], catch_exceptions=False).output.splitlines()
    total = len(listed())
    assert output[0].startswith(f"{total} message(s): 1 director, 1 alert, ")
    assert output[0].endswith(f"({total} draft)")
    headers = [line for line in output[1:] if not line.startswith("  ")]
    assert headers[:2] == ["director (1)", "alert (1)"] and headers[-1] == "escalation (1)"
    assert any(line.startswith("  drafts    letter:") for line in output)


def test_no_header_of_any_email_carries_none(home):
    from email import policy as email_policy
    from email.parser import BytesParser

    emails = [r["path"] for r in listed() if r["path"].endswith(".eml")]
    assert len(emails) >= 4
    for path in emails:
        with open(path, "rb") as handle:
            message = BytesParser(policy=email_policy.SMTP).parse(handle)
        for name, value in message.items():
            assert "None" not in str(value).split(), (path, name, value)
        assert message["From"].addresses[0].domain != "localhost", path
