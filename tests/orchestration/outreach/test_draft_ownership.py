"""Assets that share `outbox/drafts/<date>/` (director and alert emails) never remove each other's
drafts, and the run summary counts the alert emails that exist after the whole run."""

import dagster as dg
import pytest

from notifications.outbox import Outbox
from orchestration.cli.runner import RunOutcome
from orchestration.defs.outreach.alerts import alert_drafts
from orchestration.defs.outreach.director import director_drafts
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.alerts import alert_draft_name
from orchestration.outreach.drafts import draft_name
from orchestration.settings import Settings
from orchestration.storage.warehouse import connect
from tests.orchestration.outreach.ledger_fixture import build_ledger_with_accounts, invoice

AS_OF = "2026-11-24"
AVERY = "avery.brooks@meridianpartners.example"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    monkeypatch.delenv("LEDGERLOOP_SECRET_KEY", raising=False)
    monkeypatch.setenv("LEDGERLOOP_MAIL_FROM", "ar@example.com")
    build_ledger_with_accounts(tmp_path / "warehouse.duckdb", [invoice("1")])
    with connect(tmp_path / "warehouse.duckdb") as con:
        con.execute(
            "create table marts.alerts (alert_key varchar, kind varchar, subject varchar, "
            "account_id varchar, invoice_key varchar, owner varchar, owner_email varchar, "
            "raised_on date, message varchar)"
        )
        con.execute(
            "insert into marts.alerts values ('crossed_30:NYC:1', 'crossed_30', 'NYC:1', 'A1', 'NYC:1', "
            "'Avery Brooks', ?, cast(? as date), 'Invoice 1 is 30 days past due')",
            [AVERY, AS_OF],
        )
    return tmp_path


def materialize(home, assets) -> dg.ExecuteInProcessResult:
    result = dg.materialize(assets, resources={"ledgerloop": LedgerloopResource(home=str(home), as_of=AS_OF)})
    assert result.success
    return result


def test_director_drafts_leave_the_alert_emails_of_the_day_alone(home):
    materialize(home, [alert_drafts])
    alert_path = home / "outbox" / "drafts" / AS_OF / f"{alert_draft_name(AVERY)}.eml"
    assert alert_path.exists()
    materialize(home, [director_drafts])  # the real run's order: alerts first, directors after
    assert alert_path.exists()
    assert (home / "outbox" / "drafts" / AS_OF / f"{draft_name('dana@example.com')}.eml").exists()
    # A director with nothing left to answer has their draft withdrawn, and only theirs.
    build_ledger_with_accounts(home / "warehouse.duckdb", [invoice("1", balance="0.00", status="paid")])
    result = materialize(home, [director_drafts])
    metadata = result.asset_materializations_for_node("outbox__director_drafts")[0].metadata
    assert metadata["drafts_withdrawn"].value == 1
    assert [p.name for p in (home / "outbox" / "drafts" / AS_OF).glob("*.eml")] == [alert_path.name]


def test_alert_drafts_leave_the_director_emails_alone(home):
    materialize(home, [director_drafts])
    materialize(home, [alert_drafts])
    names = sorted(p.stem for p in (home / "outbox" / "drafts" / AS_OF).glob("*.eml"))
    assert names == sorted([alert_draft_name(AVERY), draft_name("dana@example.com")])


def test_run_summary_counts_the_alert_emails_that_exist(home):
    materialize(home, [alert_drafts])
    outcome = RunOutcome(True, 1.0, "run", settings=Settings(home=home))
    outcome.outputs["outbox/alert_drafts"] = {
        "alerts_raised_today": 1,
        "drafts_written": 1,
        "folder": str(home / "outbox" / "drafts" / AS_OF),
        "as_of": AS_OF,
    }
    assert "1 raised today, 1 email draft to the people concerned" in outcome.report()
    Outbox(home / "outbox").withdraw(f"{AS_OF}/{alert_draft_name(AVERY)}")  # as the bug did
    assert "1 raised today, 0 email drafts to the people concerned" in outcome.report()


def test_run_summary_says_when_notices_wait_for_cash(tmp_path):
    outcome = RunOutcome(True, 1.0, "run", settings=Settings(home=tmp_path))
    outcome.outputs["outbox/dunning_drafts"] = {
        "notices": 0,
        "held_by_reason": {"payment_files_not_in": 12, "stage_disputed": 3},
        "outbox": str(tmp_path / "outbox" / "dunning"),
    }
    assert ("held back, waiting for cash: 12 until the day's payment files are in "
            "(`ledgerloop dunning preview` says why)") in outcome.report()
