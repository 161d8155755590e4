"""`ledgerloop dunning preview`, `ledgerloop drafts` across channels, and `ledgerloop audit`."""

import datetime as dt
import hashlib
import io

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from notifications.dunning_drafts import dunning_outboxes
from orchestration.cli import main
from orchestration.dunning.drafting import policy_sha256, run_day
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import audit_log
from tests.notifications.smtp_double import smtp_server
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

pytestmark = pytest.mark.integration

DUE = dt.date(2026, 11, 2)
SCRIPT = "<script>alert(1)</script> & Co"
CONTACTS = [
    ("ACME", "Ann Archer", "ann@acme.example", "+12125550101", "1 Main St\nNew York, NY 10001", None, None),
    (
        "BIG",
        "Bo Brand",
        "bo@big.example",
        "+442079460000",
        "2 High St\nLondon EC1A 1AA",
        "Europe/London",
        None,
    ),
]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    config = write_policy(tmp_path / "config")
    monkeypatch.setenv("LEDGERLOOP_CONFIG", str(config))
    build(
        tmp_path,
        [
            ledger_invoice("101", "ACME", SCRIPT, "500.00", DUE),
            ledger_invoice("102", "ACME", SCRIPT, "250.50", DUE - dt.timedelta(days=1)),
            ledger_invoice("201", "BIG", "Big Co", "25000.00", DUE, office="LDN", currency="GBP"),
        ],
        CONTACTS,
    )
    return tmp_path


def _run(home, day):
    config = home / "config" / "ledgerloop.yaml"
    with open_store(home) as store, connect(home / "warehouse.duckdb") as con:
        return run_day(
            con,
            policy(config),
            policy_sha256(config),
            home,
            day,
            dt.datetime.combine(day, dt.time(5), dt.UTC),
            audit_log.recorder(store),
        )


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dunning_preview_shows_the_days_notices_and_writes_nothing(home):
    before = _digest(home / "warehouse.duckdb")
    result = cli("dunning", "preview", "--date", "2026-11-05")
    assert result.exit_code == 0, result.output
    assert "email     <script>alert(1)</script> & Co (ACME), segment standard, step reminder" in result.output
    assert "email     Big Co (BIG), segment big, step reminder (friendly), at 2026-11-05T09:00:00+00:00" in (
        result.output
    )
    assert 'to Ann Archer <ann@acme.example>: "Friendly reminder: 2 invoices for' in result.output
    assert "2 notice(s), 0 escalation(s)" in result.output
    assert _digest(home / "warehouse.duckdb") == before
    assert not (home / "outbox").exists()


def test_dunning_preview_of_an_invalid_policy_names_the_key(home, monkeypatch, tmp_path):
    def bad(data):
        data["dunning"]["segments"][1]["steps"][0]["offset_days"] = "soon"

    monkeypatch.setenv("LEDGERLOOP_CONFIG", str(write_policy(tmp_path / "bad", bad)))
    result = cli("dunning", "preview", "--date", "2026-11-05")
    assert result.exit_code == 1 and "dunning.segments.1.steps.0.offset_days" in result.output


def test_drafts_approve_all_and_send_cover_email_sms_and_letters(home, monkeypatch):
    _run(home, DUE + dt.timedelta(days=3))  # emails to both accounts
    _run(home, DUE + dt.timedelta(days=10))  # BIG: its letter; ACME: SMS nudge (9 days)
    listed = cli("drafts", "list").output
    assert "drafts    dunning:2026-11-05/dunning-acme-email-" in listed
    assert "drafts    sms:2026-11-12/dunning-acme-sms-" in listed and "[GSM-7, 1 segment(s)]" in listed
    assert "drafts    letter:2026-11-12/dunning-big-letter-" in listed
    assert cli("drafts", "approve", "--all", "--as", "kim").exit_code == 0
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("LEDGERLOOP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LEDGERLOOP_SMTP_PORT", str(port))
        monkeypatch.setenv("LEDGERLOOP_SMTP_SECURITY", "none")
        sent = cli("drafts", "send", "--as", "kim").output
        assert sent.endswith("4 sent, 0 refused, 0 uncertain\n")
        assert cli("drafts", "send", "--as", "kim").output.endswith("0 sent, 0 refused, 0 uncertain\n")
    assert len(inbox.messages) == 2
    html = inbox.messages[0].decode()
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
        and "<script>alert" not in html.split("text/html")[1]
    )
    letter = next((home / "outbox" / "dunning" / "letter" / "dispatch").glob("*/*.pdf"))
    text = PdfReader(io.BytesIO(letter.read_bytes())).pages[0].extract_text()
    assert "INV-201" in text and "GBP 25,000.00" in text and "London EC1A 1AA" in text
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        kinds = dict(con.execute("select kind, count(*) from raw.outreach_events group by kind").fetchall())
    assert kinds == {"drafted": 6, "approved": 6, "sent": 6}  # one row per invoice a notice covers

    audit = cli("audit", "--account", "BIG").output
    assert "dunning.drafted [BIG]" in audit and "letter.sent [BIG]" in audit and "ACME" not in audit
    mine = cli("audit", "--person", "kim").output.splitlines()
    assert mine and all("  kim  " in line for line in mine)


def test_audit_lists_manual_payment_matches_by_person(home):
    assert cli("payments", "resolve", "PAY-1", "NYC:101", "--by", "lee").exit_code == 0
    listed = cli("audit", "--person", "lee").output
    assert "payment.resolve" in listed and "PAY-1" in listed


def test_dunning_email_draft_is_scheduled_for_the_customers_window(home):
    _run(home, DUE + dt.timedelta(days=3))
    (big,) = [i for i in dunning_outboxes(home)["dunning"].items("drafts") if "big" in i.name]
    assert big.message()["X-Ledgerloop-Send-After"] == "2026-11-05T09:00:00+00:00"  # 09:00 in London


def test_drafts_send_delivers_sms_and_letters_without_smtp_settings(home, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_SMTP_HOST", raising=False)
    _run(home, DUE + dt.timedelta(days=3))
    _run(home, DUE + dt.timedelta(days=10))
    (sms,) = [line.split()[1] for line in cli("drafts", "list").output.splitlines() if " sms:" in line]
    assert cli("drafts", "approve", sms, "--as", "kim").output == f"approved  {sms}\n"
    sent = cli("drafts", "send", "--as", "kim").output
    assert f"sent      {sms}" in sent and sent.endswith("1 sent, 0 refused, 0 uncertain\n")
    (dispatched,) = (home / "outbox" / "dunning" / "sms" / "dispatch").glob("*/*.txt")
    assert dispatched.read_text().startswith("To: +12125550101\n")
    # An alphanumeric sender id cannot receive a reply: the text says how to reach the team instead.
    assert "Please pay, or call +1 212 555 0100 if anything is wrong." in dispatched.read_text()
