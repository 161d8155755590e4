"""Turn a day's dunning plan into drafts, state rows, outreach events and audit entries.

Order of work per notice: the draft is written first by its channel's drafter
(`orchestration.dunning.channels`; its name is stable, so a crash and a re-run rewrite the same
file), then the state rows in one transaction, then the event and the audit entry. The state is
what makes re-runs draft nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from notifications.channels import AccountAudit
from notifications.draft_index import DraftIndex
from notifications.draft_rows import DunningDraft
from orchestration.dunning.channels import DraftDesk, Drafted, drafter
from orchestration.dunning.contacts import contacts_path, load_contacts
from orchestration.dunning.customer_links import CustomerLinks, with_link
from orchestration.dunning.escalations import draft_escalation
from orchestration.dunning.events import (
    OutreachEvent,
    events_for,
    load_pending_events,
    naive_utc,
    record_events,
)
from orchestration.dunning.facts import ensure_schema, load_accounts, load_facts, record_first_seen
from orchestration.dunning.notices import id_of, notice_name
from orchestration.dunning.rejections import rejection_subject, settle_rejections
from orchestration.dunning.selection import DunningPlan, Notice, plan_dunning, within_daily_limit
from orchestration.dunning.withdrawal import withdraw_stale
from orchestration.policy import Policy
from orchestration.storage.warehouse import transaction

SYSTEM_ACTOR = "ledgerloop"

DUNNING_STATE = ["outreach.dunning_notices", "outreach.dunning_steps", "outreach.dunning_runs",
                 "outreach.dunning_call_tasks", "outreach.dunning_escalations",
                 "outreach.dunning_invoices_seen", "outreach.account_contacts"]
"""What dunning decides and keeps between runs (on a PostgreSQL warehouse, replaced whole)."""
DUNNING_READS = ["marts.ar_ledger", "marts.account_risk", "marts.disputes", "marts.promises_to_pay",
                 "marts.payment_plans", "marts.payments", "marts.payment_applications",
                 "marts.reconciliation_exceptions", "raw.ingested_files", "raw.collector_entries",
                 "raw.director_updates", "raw.outreach_events"]
"""What a day's plan reads besides its state (what a PostgreSQL warehouse's session pulls)."""


@dataclass
class RunResult:
    plan: DunningPlan
    policy_sha256: str
    drafted: list[str] = field(default_factory=list)
    """Outbox idents (`<label>:<date>/<name>`) and call task ids (`call:<id>`)."""
    escalation_drafts: list[str] = field(default_factory=list)
    call_tasks: int = 0
    events: int = 0
    contacts_loaded: int = 0
    withdrawn: list[str] = field(default_factory=list)
    """Unapproved drafts taken back: every invoice they chase is paid or now suppressed."""
    released: list[str] = field(default_factory=list)
    """Rejected drafts whose steps may be drafted again from this run on (policy permitting)."""


@dataclass
class _StateRows:
    """A run's notice state, written in one transaction once every draft is on disk: a notice's
    draft is named by its content, so a run that dies before the write redrafts the same files."""

    notices: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)

    def write(self, con: duckdb.DuckDBPyConnection, call_tasks: list[dict]) -> None:
        with transaction(con):
            for rows, sql in (
                (call_tasks, _INSERT_CALL_TASKS),
                (self.notices, _INSERT_NOTICES),
                (self.steps, _INSERT_STEPS),
            ):
                if rows:
                    con.register("state_rows", pd.DataFrame(rows))
                    con.execute(sql)
                    con.unregister("state_rows")


_INSERT_CALL_TASKS = "insert or ignore into outreach.dunning_call_tasks by name select * from state_rows"
_INSERT_NOTICES = "insert or ignore into outreach.dunning_notices by name select * from state_rows"
_INSERT_STEPS = "insert or ignore into outreach.dunning_steps by name select * from state_rows"


def policy_sha256(path: Path) -> str:
    """The policy in force: sha256 of the policy file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_mail_from(policy: Policy, environ: Mapping[str, str] | None = None) -> Policy:
    """The policy with `LEDGERLOOP_MAIL_FROM` as the notices' sender where the policy names none
    (resolved once where a run or a command starts)."""
    address = (os.environ if environ is None else environ).get("LEDGERLOOP_MAIL_FROM")
    return policy.model_copy(update={"dunning": policy.dunning.with_mail_from(address)})


def plan_day(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: dt.date, home: Path) -> DunningPlan:
    """What the policy asks for on `as_of`; reads only (the dry run uses this)."""
    accounts = load_accounts(con, as_of)
    facts = load_facts(con, as_of, home / "outbox", policy.dunning, policy.timezone)
    plan = plan_dunning(accounts, facts, policy.dunning, as_of, policy.timezone)
    return within_daily_limit(plan, policy.dunning.daily_limit, facts.drafted_today)


def replan(
    con: duckdb.DuckDBPyConnection, policy: Policy, as_of: dt.date, home: Path, plan: DunningPlan,
    account_ids: set[str],
) -> DunningPlan:
    """`plan` with these accounts decided again on fresh facts (their drafts were taken back, so
    their steps are due again); deciding only them keeps a withdrawal from costing a whole plan."""
    facts = load_facts(con, as_of, home / "outbox", policy.dunning, policy.timezone)
    accounts = [account for account in plan.accounts if account.account_id in account_ids]
    again = plan.replacing(account_ids, plan_dunning(accounts, facts, policy.dunning, as_of, policy.timezone))
    return within_daily_limit(again, policy.dunning.daily_limit, facts.drafted_today)


def run_day(
    con: duckdb.DuckDBPyConnection,
    policy: Policy,
    sha256: str,
    home: Path,
    as_of: dt.date,
    now: dt.datetime,
    audit: AccountAudit,
    links: CustomerLinks | None = None,
) -> RunResult:
    """Plan the day, write every notice's draft and state, raise escalations, record the run;
    `links` gives each notice's customer its link to the customer door (none without it)."""
    ensure_schema(con)
    contacts = load_contacts(con, contacts_path(home), now)
    load_pending_events(con, home)
    rejected, released = settle_rejections(con, home, policy, as_of, audit)
    events = [event for draft in rejected for event in _rejection_events(draft, now)]
    record_first_seen(con, as_of)
    plan = plan_day(con, policy, as_of, home)
    result = RunResult(plan, sha256, contacts_loaded=contacts, released=released)
    index = DraftIndex(home, batch_size=500)  # thousands of drafts: indexed 500 to a transaction
    desk = DraftDesk(policy, as_of, index.outboxes)
    withdrawn = withdraw_stale(con, index, plan, audit)
    result.withdrawn = [draft.label for draft in withdrawn]
    if withdrawn:  # what those drafts chased that is still due is drafted again, without the rest
        plan = result.plan = replan(con, policy, as_of, home, plan, {d.account_id for d in withdrawn})
    state = _StateRows()
    with ExitStack() as bulk:  # every draft durable, with one sync per thousand, before its state
        for outbox in index.outboxes.values():
            bulk.enter_context(outbox.bulk())
        for notice in plan.notices:
            notice = with_link(notice, links)
            events.extend(_draft_notice(desk, sha256, notice, now, audit, result, state))
    state.write(con, desk.tasks)
    result.call_tasks = len(desk.tasks)
    for escalation in plan.escalations:
        labels, raised = draft_escalation(con, desk, sha256, escalation, now, audit)
        result.escalation_drafts.extend(labels)
        events.extend(raised)
    record_events(con, events)
    result.events = len(events)
    index.sync(locked=True)  # the portal's next read of the drafts finds nothing to redo
    _record_run(con, plan, sha256, as_of, now, audit)
    return result


def _record_run(
    con: duckdb.DuckDBPyConnection, plan: DunningPlan, sha256: str, as_of: dt.date, now: dt.datetime,
    audit: AccountAudit,
) -> None:
    """The run in `outreach.dunning_runs` and the audit log: the policy in force and what it did."""
    run_id = hashlib.sha256(f"{as_of}|{now.isoformat()}|{sha256}".encode()).hexdigest()[:16]
    con.execute(
        "insert into outreach.dunning_runs values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [run_id, as_of, sha256, naive_utc(now), len(plan.notices), len(plan.escalations), len(plan.held)],
    )
    detail = {
        "policy_sha256": sha256,
        "notices": len(plan.notices),
        "escalations": len(plan.escalations),
        "held": plan.held_counts(),
    }
    audit(SYSTEM_ACTOR, "dunning.run", f"run {as_of.isoformat()}", json.dumps(detail, sort_keys=True))


def _rejection_events(draft: DunningDraft, now: dt.datetime) -> list[OutreachEvent]:
    """A rejected notice on the timeline: who rejected it, when and why (once: the event id)."""
    return events_for(
        draft.notice_id, draft.account_id, draft.invoice_keys, draft.channel, "rejected",
        rejection_subject(draft), draft.rejected_at or now, draft.rejected_by or SYSTEM_ACTOR,
    )


def _draft_notice(
    desk: DraftDesk,
    sha256: str,
    notice: Notice,
    now: dt.datetime,
    audit: AccountAudit,
    result: RunResult,
    state: _StateRows,
) -> list[OutreachEvent]:
    """Draft one notice through its channel's drafter; its state rows wait in `state`."""
    account = notice.account
    ident = id_of(notice)
    name = notice_name(account.account_id, notice.channel, ident)
    drafted = drafter(notice.channel).draft(notice, name, desk)
    keys = [item.invoice.invoice_key for item in notice.items]
    state.notices.append(_notice_row(notice, ident, drafted, keys, desk.as_of, sha256, now))
    state.steps.extend(_step_rows(notice, ident, desk.as_of))
    result.drafted.append(drafted.label)
    audit(
        SYSTEM_ACTOR, "dunning.drafted", drafted.label, _drafted_detail(notice, ident, sha256),
        account_id=account.account_id,
    )
    return events_for(
        ident, account.account_id, keys, notice.channel, "drafted", drafted.subject, now, SYSTEM_ACTOR
    )


def _notice_row(
    notice: Notice, ident: str, drafted: Drafted, keys: list[str], as_of: dt.date, sha256: str,
    now: dt.datetime,
) -> dict:
    """The notice's row of `outreach.dunning_notices`."""
    step = notice.lead.step
    return {
        "notice_id": ident,
        "run_on": as_of,
        "account_id": notice.account.account_id,
        "channel": notice.channel,
        "segment": notice.segment,
        "step_name": step.name,
        "template": step.template,
        "tone": step.tone,
        "recipient": drafted.recipient,
        "subject": drafted.subject,
        "scheduled_at": naive_utc(notice.scheduled_at),
        "scheduled_on": notice.local_day,
        "outbox_ident": drafted.label,
        "invoice_keys": ",".join(keys),
        "policy_sha256": sha256,
        "created_at": naive_utc(now),
    }


def _step_rows(notice: Notice, ident: str, as_of: dt.date) -> list[dict]:
    """One `outreach.dunning_steps` row per invoice: (invoice, step) once, ever."""
    return [
        {
            "invoice_key": item.invoice.invoice_key,
            "step_index": item.step_index,
            "account_id": notice.account.account_id,
            "segment": notice.segment,
            "step_name": item.step.name,
            "channel": notice.channel,
            "notice_id": ident,
            "run_on": as_of,
        }
        for item in notice.items
    ]


def _drafted_detail(notice: Notice, ident: str, sha256: str) -> str:
    """The audit entry's detail: the steps drafted, those a catch-up skipped, when it goes."""
    return json.dumps(
        {
            "notice_id": ident,
            "channel": notice.channel,
            "segment": notice.segment,
            "steps": {item.invoice.invoice_key: item.step.name for item in notice.items},
            "skipped": {
                item.invoice.invoice_key: [step.name for step in item.skipped]
                for item in notice.items
                if item.skipped
            },
            "scheduled_at": notice.scheduled_at.isoformat(),
            "policy_sha256": sha256,
        },
        sort_keys=True,
    )
