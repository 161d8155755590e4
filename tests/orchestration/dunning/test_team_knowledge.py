"""Dunning knows what the team knows, read from the warehouse: stages the policy maps to disputed
or promised, contact actually made and every kind of answer, the day's payment files and cash not
yet applied; and `dunning preview` says why each invoice waits and which steps a catch-up skips."""

import datetime as dt

import pytest
from click.testing import CliRunner

from notifications.draft_index import DraftIndex
from notifications.dunning_drafts import dunning_outboxes
from orchestration.cli import main
from orchestration.dunning.drafting import plan_day, policy_sha256, replan, run_day
from orchestration.dunning.withdrawal import withdraw_stale
from orchestration.storage.warehouse import connect
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

pytestmark = pytest.mark.integration

DUE = dt.date(2026, 11, 2)
TRACKER_SET = dt.datetime(2026, 10, 27, 19, 52)
CONTACTS = [
    ("ACME", "Ann Archer", "ann@acme.example", "+12125550101", "1 Main St", None, None),
    ("BETA", "Bea Bell", "bea@beta.example", "+12125550102", "2 Main St", None, None),
]
# The raw tables are the warehouse's own (orchestration.storage.warehouse creates them); the payment marts
# in their contract shapes, reduced to the columns dunning reads.
MARTS_DDL = [
    "create table if not exists marts.payments (payment_id varchar, amount decimal(18, 2), currency varchar, "
    "received_on date, payer varchar, applied_amount decimal(18, 2), unapplied_amount decimal(18, 2))",
    "create table if not exists marts.payment_applications (payment_id varchar, invoice_key varchar, "
    "applied_amount decimal(18, 2))",
    "create table if not exists marts.reconciliation_exceptions (payment_id varchar, reason varchar, "
    "candidates json)",
]


FILE_LOADED = (
    "insert into raw.ingested_files (file_sha256, source, file_name, status, rows_read, rows_loaded, "
    "rows_quarantined, footer_lines, ingested_at) values (?, 'payments', 'bank.csv', 'loaded', 1, 1, 0, 0, ?)"
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_MAIL_FROM", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERLOOP_CONFIG", str(write_policy(tmp_path / "config")))
    disputed = {"stage": "Disputed", "last_update_source": "tracker", "last_update_at": TRACKER_SET}
    build(
        tmp_path,
        [
            ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE),
            {**ledger_invoice("102", "ACME", "Acme Corp", "700.00", DUE), **disputed},
            {**ledger_invoice("103", "ACME", "Acme Corp", "300.00", DUE), "stage": "Promised",
             "last_update_source": "portal"},
            ledger_invoice("201", "BETA", "Beta LLC", "900.00", DUE - dt.timedelta(days=40)),
        ],
        CONTACTS,
    )
    with connect(tmp_path / "warehouse.duckdb") as con:
        for statement in MARTS_DDL:
            con.execute(statement)
    return tmp_path


def _plan(home, day):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return plan_day(con, policy(home / "config" / "ledgerloop.yaml"), day, home)


def _run(home, day):
    config = home / "config" / "ledgerloop.yaml"
    with connect(home / "warehouse.duckdb") as con:
        return run_day(con, policy(config), policy_sha256(config), home, day,
                       dt.datetime.combine(day, dt.time(15), dt.UTC), lambda *a, **k: None)


def _sql(home, statement, params=None):
    with connect(home / "warehouse.duckdb") as con:
        con.execute(statement, params or [])


def test_the_ledgers_stage_holds_dunning_and_the_preview_says_who_set_it(home):
    day = DUE + dt.timedelta(days=5)
    result = _run(home, day)
    covered = {key for n in result.plan.notices for key in (i.invoice.invoice_key for i in n.items)}
    assert "NYC:102" not in covered and "NYC:103" not in covered and "NYC:101" in covered
    (draft,) = [i for i in dunning_outboxes(home)["dunning"].items("drafts") if "acme" in i.name]
    assert draft.message()["X-Ledgerloop-Invoices"] == "NYC:101"
    shown = CliRunner().invoke(main, ["dunning", "preview", "--date", day.isoformat()]).output
    assert "stage_disputed       Acme Corp (ACME) INV-102: stage Disputed (the tracker, 2026-10-27)" in shown
    assert "stage_promised       Acme Corp (ACME) INV-103: stage Promised (a director's answer)" in shown


def test_a_draft_that_chases_a_newly_disputed_invoice_is_redrafted_without_it(home):
    _sql(home, "update marts.ar_ledger set stage = 'Follow Up' where invoice_key in ('NYC:102', 'NYC:103')")
    first = _run(home, DUE + dt.timedelta(days=3))
    (acme,) = [n for n in first.plan.notices if n.account.account_id == "ACME"]
    assert len(acme.items) == 3
    _sql(home, "update marts.ar_ledger set stage = 'Disputed' where invoice_key = 'NYC:102'")
    again = _run(home, DUE + dt.timedelta(days=4))
    assert len(again.withdrawn) == 1
    (redrafted,) = [i for i in dunning_outboxes(home)["dunning"].items("drafts") if "acme" in i.name]
    assert redrafted.message()["X-Ledgerloop-Invoices"] == "NYC:101,NYC:103"



def test_a_withdrawal_decides_only_its_accounts_again_and_agrees_with_a_whole_plan(home):
    config = policy(home / "config" / "ledgerloop.yaml")
    _sql(home, "update marts.ar_ledger set stage = 'Follow Up' where invoice_key in ('NYC:102', 'NYC:103')")
    _sql(home, "insert into marts.ar_ledger select * replace ('NYC:202' as invoice_key, 'Disputed' as stage) "
               "from marts.ar_ledger where invoice_key = 'NYC:201'")  # BETA: held before and after
    _run(home, DUE + dt.timedelta(days=3))
    _sql(home, "update marts.ar_ledger set stage = 'Disputed' where invoice_key = 'NYC:102'")
    day = DUE + dt.timedelta(days=4)
    with connect(home / "warehouse.duckdb") as con:
        before = plan_day(con, config, day, home)
        withdrawn = withdraw_stale(con, DraftIndex(home), before, lambda *a, **k: None)
        assert [draft.account_id for draft in withdrawn] == ["ACME"]
        again = replan(con, config, day, home, before, {"ACME"})
        whole = plan_day(con, config, day, home)
    assert {h.account_id for h in whole.held} == {"ACME", "BETA"}  # both accounts in one list
    assert [n.account.account_id for n in again.notices] == ["ACME"]
    assert again == whole

def test_the_first_run_catches_up_and_the_preview_names_the_skipped_steps(home):
    day = DUE + dt.timedelta(days=5)  # BETA's invoice is 45 days past due and never reminded
    shown = CliRunner().invoke(main, ["dunning", "preview", "--date", day.isoformat()]).output
    assert "Beta LLC (BETA), segment standard, step final (final)" in shown
    assert (
        "catch-up: INV-201 was 45 days past due when first seen (2026-11-07), never reminded, so it "
        "starts at final; skipped reminder (day 3), nudge (day 9), firm (day 16)"
    ) in shown
    _run(home, day)
    (beta,) = [i for i in dunning_outboxes(home)["dunning"].items("drafts") if "beta" in i.name]
    text = beta.message().get_body(preferencelist=("plain",)).get_content()
    assert "Despite our earlier reminders" not in text and "long after its due date" in text


def test_only_messages_sent_count_as_contact_and_every_answer_counts(home):
    day = DUE + dt.timedelta(days=40)  # BETA: 80 days past due, escalation after 4 silent days
    _run(home, DUE - dt.timedelta(days=1))
    assert _plan(home, day).escalations == []  # nothing was ever sent: no contact, no "no response"
    sent = dt.datetime.combine(day - dt.timedelta(days=10), dt.time(14))
    event = "insert into raw.outreach_events values (?, 'BETA', 'NYC:201', ?, ?, 'subject', ?, 'kim')"
    _sql(home, event, ["e1", "email", "sent", sent])
    _sql(home, event, ["e2", "sms", "drafted", sent + dt.timedelta(days=5)])  # never sent: no contact
    (escalation,) = _plan(home, day).escalations
    assert "(email sent), no response since" in escalation.detail
    _sql(home, "insert into raw.director_updates (update_id, submission_id, director_email, invoice_key, "
         "status, submitted_at, _loaded_at) values (1, 's1', 'd@x.example', 'NYC:201', 'Paid', ?, now())",
         [sent + dt.timedelta(days=2)])
    assert _plan(home, day).escalations == []  # the director's answer is an answer
    _sql(home, "delete from raw.director_updates")
    _sql(
        home,
        "insert into raw.collector_entries (entry_id, submission_id, collector_email, collector, kind, "
        "account_id, submitted_at, _loaded_at) "
        "values (1, 's2', 'a@x.example', 'Avery', 'note', 'BETA', ?, now())",
        [sent + dt.timedelta(hours=3)],
    )
    assert _plan(home, day).escalations == []  # a reply, logged as a note, the same day


def test_notices_wait_for_the_days_payment_files_and_for_unapplied_cash(home):
    day = DUE + dt.timedelta(days=5)  # 2026-11-07, a Saturday: the files of Friday 07:00 New York count
    _sql(home, FILE_LOADED,
         ["a", dt.datetime(2026, 11, 6, 11, 30)])  # 06:30 in New York: the day before's file
    plan = _plan(home, day)
    assert plan.notices == [] and {h.reason for h in plan.held} >= {"payment_files_not_in"}
    detail = next(h.detail for h in plan.held if h.reason == "payment_files_not_in")
    assert detail.startswith("the payment files of 2026-11-06 are not in yet: none loaded since 07:00")
    _sql(home, FILE_LOADED,
         ["b", dt.datetime(2026, 11, 6, 12, 5)])  # 07:05 in New York
    assert {n.account.account_id for n in _plan(home, day).notices} == {"ACME", "BETA"}
    _sql(home, "insert into marts.payments values ('P1', 900, 'USD', date '2026-11-06', 'Somebody', 0, 900)")
    _sql(home, "insert into marts.reconciliation_exceptions values ('P1', 'ambiguous', ?)",
         ['[{"invoice_key": "NYC:201", "account_id": null}]'])
    plan = _plan(home, day)
    assert {n.account.account_id for n in plan.notices} == {"ACME"}
    (held,) = [h for h in plan.held if h.reason == "unapplied_cash"]
    assert held.detail == (
        "cash not yet applied: USD 900.00 received 2026-11-06 from Somebody (payment P1); "
        "notices wait until it is"
    )
    _sql(home, "delete from marts.reconciliation_exceptions")
    _sql(home, "update marts.payments set payer = 'ACME CORP', applied_amount = 0")  # the payer's own name
    assert {n.account.account_id for n in _plan(home, day).notices} == {"BETA"}
