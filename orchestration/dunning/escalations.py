"""Escalations: an account handed to the office's managers, each raised once.

One email per manager waits in the email channel's outbox (an escalation is an email, to a manager,
not to the customer: no sending window, no contact cap), a call task goes on the first manager's
worklist (the collector's where the office has none), and the escalation and its notice are
recorded so a re-run raises nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

import duckdb

from notifications.channels.email import EMAIL
from orchestration.dunning.channels import DraftDesk
from orchestration.dunning.events import OutreachEvent, events_for, naive_utc
from orchestration.dunning.model import Escalation
from orchestration.dunning.notices import escalation_id, notice_name, open_balance_text, render_escalation
from orchestration.policy.team import TeamMember

SYSTEM_ACTOR = "ledgerloop"
AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, *, account_id=None)."""
_INSERT_ESCALATION = (
    "insert into outreach.dunning_escalations values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing"
)
_INSERT_NOTICE = (
    "insert into outreach.dunning_notices values "
    "(?, ?, ?, 'escalation', null, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing"
)
_INSERT_CALL_TASK = (
    "insert into outreach.dunning_call_tasks by name select $task_id as task_id, $kind as kind, "
    "$account_id as account_id, $account_name as account_name, $assignee as assignee, "
    "$assignee_email as assignee_email, $task as task, $invoice_keys as invoice_keys, "
    "$open_balance as open_balance, $phone as phone, $due_on as due_on, $created_on as created_on, "
    "$notice_id as notice_id on conflict do nothing"
)


def draft_escalation(
    con: duckdb.DuckDBPyConnection,
    desk: DraftDesk,
    sha256: str,
    escalation: Escalation,
    now: dt.datetime,
    audit: AccountAudit,
) -> tuple[list[str], list[OutreachEvent]]:
    """(the managers' drafts by labelled name, the events of the escalation)."""
    account = escalation.account
    ident = escalation_id(escalation)
    managers = desk.policy.team.managers_of(account.office)
    labels = _write_drafts(desk, escalation, ident, managers, now)
    con.execute(_INSERT_CALL_TASK, _task_row(escalation, ident, managers, desk.as_of))
    emails = [m.email for m in managers]
    invoice_keys = [i.invoice_key for i in escalation.invoices]
    con.execute(
        _INSERT_ESCALATION,
        [escalation.key, account.account_id, escalation.reason, escalation.detail, desk.as_of,
         ",".join(emails), ident],
    )
    con.execute(
        _INSERT_NOTICE,
        [ident, desk.as_of, account.account_id, escalation.reason, desk.policy.dunning.escalation.template,
         ",".join(emails) or None, escalation.detail, naive_utc(now), desk.as_of, ";".join(labels) or None,
         ",".join(invoice_keys), sha256, naive_utc(now)],
    )
    detail = {"reason": escalation.reason, "managers": emails, "drafts": labels, "policy_sha256": sha256}
    audit(
        SYSTEM_ACTOR, "dunning.escalated", escalation.key, json.dumps(detail, sort_keys=True),
        account_id=account.account_id,
    )
    events = events_for(
        ident, account.account_id, invoice_keys, "escalation", "drafted", escalation.detail, now, SYSTEM_ACTOR
    )
    return labels, events


def _write_drafts(
    desk: DraftDesk, escalation: Escalation, ident: str, managers: list[TeamMember], now: dt.datetime
) -> list[str]:
    """One email per manager, named by the escalation and the manager (a re-run rewrites it)."""
    labels, dunning = [], desk.policy.dunning
    for manager in managers:
        message = render_escalation(escalation, manager.name, manager.email, dunning, desk.as_of, now)
        digest = hashlib.sha256(f"{ident}|{manager.email}".encode()).hexdigest()
        name = notice_name(escalation.account.account_id, "escalation", digest)
        desk.outbox(EMAIL).write_draft(desk.day, name, message)
        labels.append(f"{EMAIL.label}:{desk.day}/{name}")
    return labels


def _task_row(escalation: Escalation, ident: str, managers: list[TeamMember], as_of: dt.date) -> dict:
    """The call task of an escalation, for the first manager (else the account's collector)."""
    account = escalation.account
    owner = managers[0] if managers else None
    invoices = list(escalation.invoices)
    return {
        "task_id": ident,
        "kind": "escalation",
        "account_id": account.account_id,
        "account_name": account.account_name,
        "assignee": owner.name if owner else account.collector,
        "assignee_email": owner.email if owner else None,
        "task": f"Escalation: {escalation.detail}",
        "invoice_keys": ",".join(i.invoice_key for i in invoices),
        "open_balance": open_balance_text(invoices),
        "phone": account.contact.phone,
        "due_on": as_of,
        "created_on": as_of,
        "notice_id": ident,
    }
