"""Alert drafts: one email per owner and day with the alerts `marts.alerts` raised that day."""

import datetime as dt
import email
import email.policy
import re

import dagster as dg
import pytest

from orchestration.defs.outreach.alerts import alert_drafts, defs
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.alerts import alert_draft_name
from orchestration.storage.warehouse import connect
from portal.links import StaffLinkSigner

AS_OF = "2026-11-24"
AVERY = "avery.brooks@meridianpartners.example"
DANA = "dana.whitfield@meridianpartners.example"

ALERTS_DDL = """
create schema if not exists marts;
create table marts.alerts (
    alert_key varchar, kind varchar, subject varchar, account_id varchar, invoice_key varchar,
    owner varchar, owner_email varchar, raised_on date, message varchar, as_of date
)
"""

# alert key, kind, owner, owner email, raised on, message
ALERTS = [
    (
        "crossed_30:NYC:6001",
        "crossed_30",
        "Avery Brooks",
        AVERY,
        "2026-11-24",
        "Invoice 6001 of <script>alert(1)</script> & Co is 30 days past due (crossed 30): USD 800.00 open",
    ),
    (
        "broken_promise:1",
        "broken_promise",
        "Avery Brooks",
        AVERY,
        "2026-11-24",
        "Promise to pay USD 300.00 by 2026-11-20 (account 001E, invoice NYC:6003) is broken: 100.00 paid",
    ),
    ("crossed_30:NYC:6003", "crossed_30", "Avery Brooks", AVERY, "2026-11-23", "raised the day before"),
    ("check_failed:c@a:r1:" + DANA, "check_failed", DANA, DANA, "2026-11-24", "Check c on a failed (ERROR)"),
    (
        "payment_unmatched:pay-gbp",
        "payment_unmatched",
        "Chris",
        None,
        "2026-11-24",
        "Payment pay-gbp unmatched",
    ),
]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    monkeypatch.setenv("LEDGERLOOP_MAIL_FROM", "ar@example.com")
    with connect(tmp_path / "warehouse.duckdb") as con:
        for statement in ALERTS_DDL.split(";"):
            con.execute(statement)
        for key, kind, owner, owner_email, raised_on, message in ALERTS:
            con.execute(
                "insert into marts.alerts values ($key, $kind, $key, null, null, $owner, $email, "
                "cast($on as date), $message, cast($on as date))",
                {
                    "key": key,
                    "kind": kind,
                    "owner": owner,
                    "email": owner_email,
                    "on": raised_on,
                    "message": message,
                },
            )
    return tmp_path


def draft(home) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [alert_drafts], resources={"ledgerloop": LedgerloopResource(home=str(home), as_of=AS_OF)}
    )


def read(path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)


def test_alert_drafts_one_email_per_owner_with_the_days_alerts(home):
    result = draft(home)
    assert result.success
    folder = home / "outbox" / "drafts" / AS_OF
    assert sorted(p.name for p in folder.glob("*.eml")) == sorted(
        f"{alert_draft_name(e)}.eml" for e in (AVERY, DANA)
    )
    avery = read(folder / f"{alert_draft_name(AVERY)}.eml")
    assert avery["To"].addresses[0].addr_spec == AVERY
    assert avery["Subject"] == "2 new collections alerts for 2026-11-24"
    text = avery.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Dear Avery,")
    assert "- Promise to pay broken: Promise to pay USD 300.00 by 2026-11-20" in text
    assert "- 30 days past due: Invoice 6001" in text and "raised the day before" not in text
    dana = read(folder / f"{alert_draft_name(DANA)}.eml").get_body(preferencelist=("plain",)).get_content()
    assert "Dear Dana," in dana and "Data check failed: Check c on a failed (ERROR)" in dana


def test_alert_drafts_escape_what_spreadsheets_put_in_names(home):
    draft(home)
    avery = read(home / "outbox" / "drafts" / AS_OF / f"{alert_draft_name(AVERY)}.eml")
    html = avery.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_alert_drafts_report_owners_without_an_email(home):
    result = draft(home)
    metadata = result.asset_materializations_for_node("outbox__alert_drafts")[0].metadata
    assert metadata["alerts_raised_today"].value == 4
    assert metadata["drafts_written"].value == 2
    assert metadata["alerts_without_email"].value == "Chris: payment_unmatched:pay-gbp"


def test_alert_drafts_are_the_same_messages_when_the_day_runs_again(home):
    draft(home)
    folder = home / "outbox" / "drafts" / AS_OF
    first = {p.name: read(p) for p in folder.glob("*.eml")}
    assert draft(home).success
    again = {p.name: read(p) for p in folder.glob("*.eml")}
    assert sorted(again) == sorted(first)
    for name, message in again.items():
        assert message["Message-ID"] == first[name]["Message-ID"]
        assert _text(message) == _text(first[name])


def _text(message) -> str:
    """The text part with the portal link's token masked (each rendering signs a fresh one)."""
    return re.sub(r"/([cm])/\S+", r"/\1/<token>", message.get_body(preferencelist=("plain",)).get_content())


def test_alert_emails_link_each_owner_to_their_own_page_in_the_portal(home, monkeypatch):
    monkeypatch.setenv("LEDGERLOOP_PORTAL_URL", "https://portal.example.com")
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    draft(home)
    folder = home / "outbox" / "drafts" / AS_OF
    avery = _text(read(folder / f"{alert_draft_name(AVERY)}.eml"))
    dana = _text(read(folder / f"{alert_draft_name(DANA)}.eml"))
    assert "Open your worklist (accounts in priority order): https://portal.example.com/c/<token>" in avery
    assert "Open the team's workload: https://portal.example.com/m/<token>" in dana
    html = read(folder / f"{alert_draft_name(AVERY)}.eml").get_body(preferencelist=("html",)).get_content()
    (token,) = re.findall(r'href="https://portal\.example\.com/c/([^"]+)"', html)
    claims = StaffLinkSigner("s" * 40, 3600, "collector").verify(token)
    assert (claims.role, claims.email) == ("collector", AVERY)


def test_alert_drafts_leave_an_approved_draft_alone(home):
    draft(home)
    outbox = home / "outbox"
    approved = outbox / "approved" / AS_OF
    approved.mkdir(parents=True)
    name = f"{alert_draft_name(AVERY)}.eml"
    (outbox / "drafts" / AS_OF / name).rename(approved / name)
    result = draft(home)
    metadata = result.asset_materializations_for_node("outbox__alert_drafts")[0].metadata
    assert metadata["owners_already_approved_or_sent"].value == 1
    assert not (outbox / "drafts" / AS_OF / name).exists()


def test_alert_drafts_asset_follows_the_alerts_mart():
    dg.Definitions.validate_loadable(
        dg.Definitions.merge(defs, dg.Definitions(resources={"ledgerloop": LedgerloopResource()}))
    )
    spec = next(iter(alert_drafts.specs))
    assert spec.key == dg.AssetKey(["outbox", "alert_drafts"])
    assert dg.AssetKey(["marts", "alerts"]) in {dep.asset_key for dep in spec.deps}


def test_alert_drafts_nothing_raised_today_writes_nothing(home):
    result = dg.materialize(
        [alert_drafts],
        resources={"ledgerloop": LedgerloopResource(home=str(home), as_of=str(dt.date(2026, 11, 30)))},
    )
    assert result.success
    assert not (home / "outbox" / "drafts" / "2026-11-30").exists()
