"""A simulated month of daily dunning runs: draft, approve, send to a loopback SMTP server, re-run.

The warehouse is built once; each day the records marts change (a dispute opens and is resolved,
a promise is pending then broken) and the run date moves on. Asserted over the month: every
customer gets its segment's steps in order, never two touches within the contact cap, nothing
about an invoice while its dispute is open, escalations at the configured threshold, and
re-runs draft and send nothing twice.
"""

import datetime as dt
from collections import defaultdict
from email import policy as email_policy
from email.parser import BytesParser

import pytest

from notifications.dunning_drafts import dunning_outboxes
from notifications.outbox import SmtpSettings
from orchestration.dunning import delivery
from orchestration.dunning.drafting import policy_sha256, record_events, run_day
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import audit_log
from tests.notifications.smtp_double import smtp_server
from tests.orchestration.dunning.dunning_fixture import (
    TEST_SEGMENTS,
    build,
    ledger_invoice,
    policy,
    write_policy,
)

pytestmark = pytest.mark.integration

START = dt.date(2026, 11, 2)  # a Monday
DAYS = 31
CAP_DAYS = 5
DISPUTE_OPEN, DISPUTE_RESOLVED = START + dt.timedelta(days=1), START + dt.timedelta(days=16)
PROMISE_BROKEN_ON = START + dt.timedelta(days=12)

CONTACTS = [
    ("ACME", "Ann Archer", "ann@acme.example", "+12125550101", "1 Main St\nNew York, NY 10001", None, "smb"),
    (
        "BIG",
        "Bo Brand",
        "bo@big.example",
        "+442079460000",
        "2 High St\nLondon EC1A 1AA",
        "Europe/London",
        None,
    ),
    ("DISP", "Di Spute", "di@disp.example", None, None, "Asia/Tokyo", None),
    ("PROM", "Pam Rom", "pam@prom.example", None, None, None, None),
]


def _invoices():
    return [
        ledger_invoice("101", "ACME", "Acme <b>Corp</b>", "500.00", START),
        ledger_invoice("102", "ACME", "Acme <b>Corp</b>", "700.00", START + dt.timedelta(days=2)),
        ledger_invoice(
            "201",
            "BIG",
            "Big Co",
            "25000.00",
            START - dt.timedelta(days=1),
            office="LDN",
            currency="GBP",
            collector="Harriet Cole",
        ),
        ledger_invoice("301", "DISP", "Disputing Ltd", "900.00", START - dt.timedelta(days=2)),
        ledger_invoice("401", "PROM", "Promising Inc", "300.00", START),
    ]


def _records(con, day: dt.date) -> None:
    """The records marts as of `day`: DISP's dispute open until it is resolved, PROM's promise
    pending, then broken."""
    con.execute("delete from marts.disputes")
    con.execute("delete from marts.promises_to_pay")
    status = "open" if day < DISPUTE_RESOLVED else "resolved"
    con.execute(
        "insert into marts.disputes values ('d1', 'NYC:301', 'DISP', 'Avery Brooks', 'wrong rate', 'email', "
        "?, ?, "
        "?, ?, null, false, ?)",
        [
            DISPUTE_OPEN,
            DISPUTE_RESOLVED,
            status if day >= DISPUTE_OPEN else "open",
            DISPUTE_RESOLVED if status == "resolved" else None,
            day,
        ],
    )
    if day < DISPUTE_OPEN:  # not raised yet (the account still counts as a disputer: segment by history)
        con.execute("update marts.disputes set status = 'resolved' where dispute_id = 'd1'")
    promise_status = "pending" if day < PROMISE_BROKEN_ON else "broken"
    con.execute(
        "insert into marts.promises_to_pay values "
        "('p1', 'PROM', null, 'Avery Brooks', 'USD', 300.00, ?, ?, 0, ?, ?, ?, null)",
        [START, PROMISE_BROKEN_ON - dt.timedelta(days=1), promise_status, promise_status == "broken", day],
    )


@pytest.fixture
def month(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    policy_path = write_policy(tmp_path / "config")
    build(tmp_path, _invoices(), CONTACTS)
    return tmp_path, policy_path


def _simulate(home, policy_path, inbox, smtp):
    rules = policy(policy_path)
    sha = policy_sha256(policy_path)
    reruns_drafted, reruns_sent = [], []
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        morning = dt.datetime.combine(day, dt.time(5), dt.UTC)
        evening = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(4), dt.UTC)
        with open_store(home) as store:
            with connect(home / "warehouse.duckdb") as con:
                _records(con, day)
                run_day(con, rules, sha, home, day, morning, audit_log.recorder(store))
            names = delivery.pending_names(home, day.isoformat())
            _, events = delivery.approve(home, names, "kim", audit_log.recorder(store), morning)
            report = delivery.send(home, smtp, "kim", audit_log.recorder(store), evening)
            with connect(home / "warehouse.duckdb") as con:
                record_events(con, events + report.events)
                audit = audit_log.recorder(store)
                again = run_day(con, rules, sha, home, day, morning, audit)  # a re-run of the day
            reruns_drafted.extend(again.drafted + again.escalation_drafts)
            reruns_sent.extend(delivery.send(home, smtp, "kim", audit_log.recorder(store), evening).sent)
    return reruns_drafted, reruns_sent


def _delivered(home, inbox):
    """notice id -> (account, channel, scheduled local day) of every message delivered."""
    delivered: dict[str, list] = defaultdict(list)
    for raw in inbox.messages:
        message = BytesParser(policy=email_policy.SMTP).parsebytes(raw)
        delivered[str(message["X-Ledgerloop-Notice"])].append(("email", str(message["To"])))
    outboxes = dunning_outboxes(home)
    for outbox in (outboxes["sms"], outboxes["letter"]):
        for item in outbox.items("sent"):
            delivered[item.message().meta["notice_id"]].append((outbox.channel, item.message().recipient))
    return delivered


def test_a_month_of_daily_runs_follows_the_policy_and_never_repeats(month):
    home, policy_path = month
    with smtp_server() as (inbox, port):
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="none")
        reruns_drafted, reruns_sent = _simulate(home, policy_path, inbox, smtp)

    with connect(home / "warehouse.duckdb", read_only=True) as con:
        notices = con.execute(
            "select notice_id, account_id, channel, scheduled_on, invoice_keys from outreach.dunning_notices "
            "where channel <> 'escalation' order by scheduled_on"
        ).fetchall()
        steps = con.execute(
            "select invoice_key, segment, step_index, step_name, notice_id, run_on "
            "from outreach.dunning_steps "
            "order by invoice_key, run_on"
        ).fetchall()
        escalations = con.execute(
            "select escalation_key, account_id, reason, raised_on, notice_id "
            "from outreach.dunning_escalations "
            "order by 1"
        ).fetchall()
        events = con.execute(
            "select kind, count(*) from raw.outreach_events group by kind order by kind"
        ).fetchall()
        call_tasks = con.execute(
            "select kind, account_id, assignee from outreach.dunning_call_tasks order by 1, 2"
        ).fetchall()

    # Re-runs of a day draft nothing, and a second send sends nothing.
    assert reruns_drafted == [] and reruns_sent == []
    # Every message notice was delivered exactly once (call tasks are worklist rows, not messages).
    delivered = _delivered(home, inbox)
    customer = {n[0] for n in notices if n[2] != "call_task"}
    assert set(delivered) == customer | {e[4] for e in escalations}
    assert all(len(delivered[notice]) == 1 for notice in customer)
    assert {n[2] for n in notices} == {"email", "sms", "letter", "call_task"}

    # Each invoice received its segment's steps in order, each once.
    segments = {s["name"]: [step["name"] for step in s["steps"]] for s in TEST_SEGMENTS}
    by_invoice = defaultdict(list)
    for invoice_key, segment, index, name, _notice, _run_on in steps:
        by_invoice[invoice_key].append((segment, index, name))
    for invoice_key, received in by_invoice.items():
        segment = received[0][0]
        assert [i for _, i, _ in received] == list(range(len(received))), invoice_key
        assert [n for _, _, n in received] == segments[segment][: len(received)], invoice_key
    assert by_invoice["NYC:101"][0][0] == "standard" and len(by_invoice["NYC:101"]) >= 3
    assert [n for *_, n in by_invoice["LDN:201"]] == ["reminder", "letter", "call"]  # the big account
    assert by_invoice["NYC:301"][0][0] == "disputers"

    # Never two touches with one account within the cap.
    touches = defaultdict(list)
    for _notice, account, _channel, day, _keys in notices:
        touches[account].append(day)
    for account, days in touches.items():
        gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
        assert all(gap >= CAP_DAYS for gap in gaps), (account, days)

    # Nothing about the disputed invoice while its dispute was open; reminders resume after.
    disputed = [day for _n, _a, _c, day, keys in notices if "NYC:301" in keys.split(",")]
    assert disputed and all(not (DISPUTE_OPEN <= day < DISPUTE_RESOLVED) for day in disputed)
    assert any(day >= DISPUTE_RESOLVED for day in disputed)
    # The pending promise held PROM's reminders until it broke; the broken promise escalated once.
    assert all(day >= PROMISE_BROKEN_ON for day in touches["PROM"])
    assert ("broken_promise:p1", "PROM", "broken_promise", PROMISE_BROKEN_ON) in [e[:4] for e in escalations]

    # ACME escalates on the first day an invoice is 30+ days past due with 4 days of silence since
    # the last touch (the policy's escalation rule), not a day earlier.
    (acme,) = [e for e in escalations if e[1] == "ACME"]
    raised = acme[3]

    def qualifies(day):
        last = max((t for t in touches["ACME"] if t < day), default=None)  # before that run
        return (day - START).days >= 30 and last is not None and (day - last).days >= 4

    assert acme[2] == "no_response" and qualifies(raised) and not qualifies(raised - dt.timedelta(days=1))
    assert [e[0] for e in escalations].count("no_response:ACME") == 1
    assert ("escalation", "ACME", "Morgan Reyes") in call_tasks  # the NYC manager's task

    # Drafted, approved and sent all reached raw.outreach_events (the account timeline).
    kinds = dict(events)
    assert kinds["drafted"] >= kinds["approved"] >= kinds["sent"] > 0

    # The audit log holds every draft, approval and send, and each run's policy hash.
    with open_store(home) as store:
        runs = audit_log.entries(store, "dunning.run")
        assert len(runs) == 2 * DAYS and all(policy_sha256(policy_path) in e.detail for e in runs)
        acme_entries = audit_log.entries(store, account_id="ACME")
        actions = {e.action for e in acme_entries}
        assert {"dunning.drafted", "email.approved", "email.sent", "sms.approved", "sms.sent"} <= actions
        assert {e.actor for e in audit_log.entries(store, actor="kim")} == {"kim"}
