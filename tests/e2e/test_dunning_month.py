"""A month of daily dunning on generated demo data with the shipped policy: the pipeline runs
once, then each day the dunning run drafts, everything is approved and sent to a loopback SMTP
server, and the day is run and sent again. Customers get their segment's steps in order, never
two touches within the contact cap, nothing about a disputed invoice, escalations once each, and
nothing twice. (No bank file arrives during the simulated month, so its daily runs do not wait for
one: `dunning.cash_first.payment_files_expected` is off for them, and only for them.)"""

import datetime as dt
from collections import defaultdict

import duckdb
import pytest

from notifications.outbox import SmtpSettings
from orchestration.cli.runner import run_pipeline
from orchestration.demo import generate_demo
from orchestration.dunning import delivery
from orchestration.dunning.drafting import policy_sha256, record_events, run_day
from orchestration.outreach.portal_store import open_store
from orchestration.settings import REPO_ROOT, Settings
from orchestration.storage.warehouse import connect
from portal.store import audit_log, collector_entries
from portal.store.collector_entries import NewEntry
from tests.notifications.smtp_double import smtp_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
START = dt.date(2026, 11, 23)
DAYS = 30

DISPUTABLE = """
select invoice_key, account_id, collector from marts.ar_ledger
where status = 'open' and days_past_due between 1 and 20 and account_id is not null
    and collector = any($names)
order by balance desc, invoice_key limit 1
"""


def dispute(invoice: tuple, email: str) -> NewEntry:
    key, account, collector = invoice
    return NewEntry(
        submission_id="month-dispute",
        collector_email=email,
        collector=collector,
        kind="dispute",
        account_id=account,
        invoice_key=key,
        note=None,
        call_outcome=None,
        currency=None,
        promised_amount=None,
        promised_date=None,
        dispute_reason="Wrong rate applied",
        dispute_evidence="rate card v2",
        dispute_deadline=START + dt.timedelta(days=60),
        resolution=None,
        plan_installments=None,
        submitted_at=dt.datetime(2026, 11, 22, 15, tzinfo=dt.UTC),
    )


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    home = tmp_path_factory.mktemp("month")
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
    policy = settings.policy()
    generate_demo(home, policy, 3_000, 7, START, progress=False)
    first = run_pipeline(settings, START - dt.timedelta(days=1))
    assert first.success, first.report()
    emails = {m.name: m.email for m in policy.team.collectors}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        disputed = con.execute(DISPUTABLE, {"names": list(emails)}).fetchone()
    with open_store(home) as store:
        collector_entries.record(store, dispute(disputed, emails[disputed[2]]))
    second = run_pipeline(settings, START)  # ingests the dispute, drafts day 1
    assert second.success, second.report()

    sha = policy_sha256(settings.config_path)
    no_file_wait = policy.dunning.cash_first.model_copy(update={"payment_files_expected": None})
    policy = policy.model_copy(
        update={"dunning": policy.dunning.model_copy(update={"cash_first": no_file_wait})}
    )
    rerun_drafts, rerun_sends = [], []
    with smtp_server() as (inbox, port):
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="none")
        for offset in range(DAYS):
            day = START + dt.timedelta(days=offset)
            morning = dt.datetime.combine(day, dt.time(5), dt.UTC)
            evening = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(4), dt.UTC)
            with open_store(home) as store:
                if offset:  # day 1's drafts came from the pipeline run
                    with connect(settings.warehouse_path) as con:
                        run_day(con, policy, sha, home, day, morning, audit_log.recorder(store))
                names = delivery.pending_names(home, None)
                _, events = delivery.approve(home, names, "kim", audit_log.recorder(store), morning)
                report = delivery.send(home, smtp, "kim", audit_log.recorder(store), evening)
                with connect(settings.warehouse_path) as con:
                    record_events(con, events + report.events)
                    again = run_day(con, policy, sha, home, day, morning, audit_log.recorder(store))
                rerun_drafts += again.drafted + again.escalation_drafts
                rerun_sends += delivery.send(home, smtp, "kim", audit_log.recorder(store), evening).sent
        delivered = [bytes(m) for m in inbox.messages]
    return {
        "settings": settings,
        "policy": policy,
        "disputed": disputed,
        "delivered": delivered,
        "rerun_drafts": rerun_drafts,
        "rerun_sends": rerun_sends,
    }


def query(month, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(month["settings"].warehouse_path), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def test_reruns_draft_and_send_nothing_twice(month):
    assert month["rerun_drafts"] == [] and month["rerun_sends"] == []
    notices = query(month, "select count(*) from outreach.dunning_notices where channel = 'email'")[0][0]
    escalation_mails = query(month, "select count(*) from outreach.dunning_escalations")[0][0]
    assert notices > 50
    assert len(month["delivered"]) >= notices  # every email notice (and escalation mail) went out once
    ids = [
        m.split(b"Message-ID:")[1].split(b"\n")[0].strip().lower()
        for m in month["delivered"]
        if b"Message-ID:" in m
    ]
    assert len(ids) == len(set(ids)) and escalation_mails >= 1


def test_each_invoice_gets_its_segments_steps_in_order(month):
    segments = {s.name: [step.name for step in s.steps] for s in month["policy"].dunning.segments}
    received = defaultdict(list)
    for key, segment, index, name in query(
        month,
        "select invoice_key, segment, step_index, step_name from outreach.dunning_steps "
        "order by invoice_key, run_on, step_index",
    ):
        received[key].append((segment, index, name))
    assert len(received) > 50
    for key, steps in received.items():
        indexes = [index for _, index, _ in steps]
        assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes), key
        assert all(segments[segment][index] == name for segment, index, name in steps), key


def test_no_two_touches_within_the_contact_cap(month):
    cap = month["policy"].dunning.contact_cap
    touches = defaultdict(list)
    for account, day in query(
        month,
        "select account_id, scheduled_on from outreach.dunning_notices "
        "where channel <> 'escalation' order by scheduled_on",
    ):
        touches[account].append(day)
    assert cap.max_touches == 1
    for account, days in touches.items():
        assert all((b - a).days >= cap.days for a, b in zip(days, days[1:], strict=False)), (account, days)


def test_nothing_goes_out_about_a_disputed_invoice(month):
    key = month["disputed"][0]
    noticed = query(month, "select invoice_keys from outreach.dunning_notices")
    assert not any(key in keys.split(",") for (keys,) in noticed)
    assert query(month, "select status from marts.disputes where invoice_key = $k", {"k": key}) == [("open",)]


def test_escalations_reach_managers_once_at_the_threshold(month):
    rule = month["policy"].dunning.escalation
    rows = query(
        month,
        "select escalation.escalation_key, escalation.reason, escalation.managers, "
        "max(escalation.raised_on - ledger.due_date) as oldest_days_past_due "
        "from outreach.dunning_escalations as escalation "
        "join marts.ar_ledger as ledger using (account_id) "
        "where ledger.status = 'open' group by all",
    )
    assert rows and len({r[0] for r in rows}) == len(rows)  # each raised once
    for _key, reason, managers, oldest in rows:
        assert reason in ("no_response", "broken_promise") and managers
        if reason == "no_response":
            assert oldest >= rule.days_past_due
    kinds = {kind for (kind,) in query(month, "select distinct kind from raw.outreach_events")}
    assert kinds >= {"drafted", "approved", "sent"}  # the account timeline shows them
