"""The answer loop on generated demo data: a collector's promise recorded in the portal store
reaches the collector's list and the account's timeline in the store through `answer_loop_job`
alone (no full refresh), exactly once however often the loop runs, and nothing people receive is
written by it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from orchestration.cli.runner import ANSWER_LOOP_JOB, run_pipeline
from orchestration.demo import generate_demo
from orchestration.outreach.portal_store import open_store
from orchestration.settings import REPO_ROOT, Settings
from portal.store import account_events, collector_entries, worklists
from portal.store.collector_entries import NewEntry

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAY = dt.date(2026, 11, 23)
SUBMITTED = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
OPEN_INVOICE = """
select invoice_key, account_id, collector from marts.ar_ledger
where status = 'open' and account_id is not null and currency = 'USD' and collector = any($collectors)
order by balance desc, invoice_key limit 1
"""


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    home = tmp_path_factory.mktemp("answer_loop")
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
    generate_demo(home, settings.policy(), 400, 7, DAY, progress=False)
    assert run_pipeline(settings, DAY).success
    collectors = {m.name: m.email for m in settings.policy().team.collectors}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        found = con.execute(OPEN_INVOICE, {"collectors": list(collectors)}).fetchall()
    invoice_key, account_id, collector = found[0]
    return settings, invoice_key, account_id, collector, collectors[collector]


def promise(invoice_key: str, account_id: str, collector: str, email: str) -> NewEntry:
    return NewEntry(
        submission_id="answer-loop-1", collector_email=email, collector=collector, kind="promise",
        account_id=account_id, invoice_key=invoice_key, note="Will pay Friday", call_outcome=None,
        currency="USD", promised_amount=Decimal("321.00"), promised_date=DAY + dt.timedelta(days=2),
        dispute_reason=None, dispute_evidence=None, dispute_deadline=None, resolution=None,
        plan_installments=None, submitted_at=SUBMITTED,
    )


def promises_on_timeline(settings: Settings, account_id: str) -> list[account_events.AccountEvent]:
    with open_store(settings.home) as store:
        return [e for e in account_events.timeline(store, account_id)
                if e.amount == Decimal("321.00") and "promise" in e.kind]


def outbox_listing(settings: Settings) -> list:
    return sorted(p.relative_to(settings.home) for p in (settings.home / "outbox").rglob("*"))


def test_a_promise_reaches_the_list_and_the_timeline_through_the_answer_loop_alone(refreshed):
    settings, invoice_key, account_id, collector, email = refreshed
    drafts_before = outbox_listing(settings)
    with open_store(settings.home) as store:
        collector_entries.record(store, promise(invoice_key, account_id, collector, email))

    outcome = run_pipeline(settings, DAY, job=ANSWER_LOOP_JOB)
    assert outcome.success, outcome.report()
    assert outcome.ingest["portal/collector_entries"]["entries_loaded"] == 1
    assert len(promises_on_timeline(settings, account_id)) == 1
    with open_store(settings.home) as store:
        (account,) = [a for a in worklists.accounts_for(store, email) if a.account_id == account_id]
    assert "promise_to_pay_due" in account.drivers and "USD 321.00" in account.drivers
    # nothing people receive was written: drafts and exports wait for the refresh
    assert outbox_listing(settings) == drafts_before
    assert not outcome.outputs

    again = run_pipeline(settings, DAY, job=ANSWER_LOOP_JOB)
    assert again.success and again.ingest["portal/collector_entries"]["entries_loaded"] == 0
    assert len(promises_on_timeline(settings, account_id)) == 1
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        loaded = "select count(*) from raw.collector_entries where submission_id = 'answer-loop-1'"
        assert con.execute(loaded).fetchall() == [(1,)]
        assert con.execute("select count(*) from marts.promises_to_pay where invoice_key = ? "
                           "and promised_amount = 321.00", [invoice_key]).fetchall() == [(1,)]
