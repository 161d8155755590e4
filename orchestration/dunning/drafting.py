"""Turn a day's dunning plan into drafts, state rows, outreach events and audit entries.

Order of work per notice: the draft file is written first (its name is stable, so a crash and a
re-run rewrite the same file), then the state rows in one transaction, then the event and the
audit entry. The state is what makes re-runs draft nothing twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from notifications.channels import ChannelOutbox
from notifications.draft_index import DraftIndex
from notifications.dunning_drafts import DunningDraft
from notifications.outbox import Outbox
from orchestration.dunning.contacts import contacts_path, load_contacts
from orchestration.dunning.facts import ensure_schema, load_accounts, load_facts, record_first_seen
from orchestration.dunning.notices import (
    INVOICES_HEADER,
    NOTICE_HEADER,
    call_task_row,
    escalation_id,
    id_of,
    notice_name,
    open_balance_text,
    render_email,
    render_escalation,
    render_letter,
    render_sms,
)
from orchestration.dunning.rejections import rejection_subject, settle_rejections
from orchestration.dunning.selection import DunningPlan, Escalation, Notice, plan_dunning
from orchestration.policy import Policy

SYSTEM_ACTOR = "ledgerloop"
AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, *, account_id=None)."""


@dataclass(frozen=True)
class DunningOutboxes:
    """`outbox/dunning/{email,sms,letter}`: apart from the director emails in `outbox/`, whose
    daily refresh withdraws that day's drafts it did not write."""

    email: Outbox
    sms: ChannelOutbox
    letter: ChannelOutbox

    @classmethod
    def at(cls, home: Path, index: DraftIndex | None = None) -> DunningOutboxes:
        """The outboxes under `home`, each keeping the drafts index (`notifications.draft_index`)
        current as drafts are written, withdrawn, approved and sent."""
        boxes = (index or DraftIndex(home)).outboxes
        return cls(boxes["dunning"], boxes["sms"], boxes["letter"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class OutreachEvent:
    event_id: str
    account_id: str
    invoice_key: str | None
    channel: str
    kind: str
    subject: str
    occurred_at: dt.datetime
    actor: str


@dataclass
class RunResult:
    plan: DunningPlan
    policy_sha256: str
    drafted: list[str] = field(default_factory=list)
    """Outbox idents (`<channel>:<date>/<name>`) and call task ids."""
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
    call_tasks: list[dict] = field(default_factory=list)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("begin transaction")
        try:
            for rows, sql in (
                (self.call_tasks, _INSERT_CALL_TASKS),
                (self.notices, _INSERT_NOTICES),
                (self.steps, _INSERT_STEPS),
            ):
                if rows:
                    con.register("state_rows", pd.DataFrame(rows))
                    con.execute(sql)
                    con.unregister("state_rows")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise


_INSERT_CALL_TASKS = "insert or ignore into outreach.dunning_call_tasks by name select * from state_rows"
_INSERT_NOTICES = "insert or ignore into outreach.dunning_notices by name select * from state_rows"
_INSERT_STEPS = "insert or ignore into outreach.dunning_steps by name select * from state_rows"
_INSERT_EVENTS = "insert or ignore into raw.outreach_events by name select * from event_rows"


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
    return plan_dunning(accounts, facts, policy.dunning, as_of, policy.timezone)


def run_day(
    con: duckdb.DuckDBPyConnection,
    policy: Policy,
    sha256: str,
    home: Path,
    as_of: dt.date,
    now: dt.datetime,
    audit: AccountAudit,
) -> RunResult:
    """Plan the day, write every notice's draft and state, raise escalations, record the run."""
    ensure_schema(con)
    contacts = load_contacts(con, contacts_path(home), now)
    load_pending_events(con, home)
    rejected, released = settle_rejections(con, home, policy, as_of, audit)
    events = [event for draft in rejected for event in _rejection_events(draft, now)]
    record_first_seen(con, as_of)
    plan = plan_day(con, policy, as_of, home)
    result = RunResult(plan, sha256, contacts_loaded=contacts, released=released)
    index = DraftIndex(home, batch_size=500)  # thousands of drafts: indexed 500 to a transaction
    outboxes = DunningOutboxes.at(home, index)
    result.withdrawn = withdraw_stale(con, outboxes, plan, audit)
    if result.withdrawn:  # what those drafts chased that is still due is drafted again, without the rest
        plan = result.plan = plan_day(con, policy, as_of, home)
    state = _StateRows()
    for notice in plan.notices:
        events.extend(_draft_notice(policy, sha256, outboxes, notice, as_of, now, audit, result, state))
    state.write(con)
    for escalation in plan.escalations:
        events.extend(_draft_escalation(con, policy, sha256, outboxes, escalation, as_of, now, audit, result))
    record_events(con, events)
    result.events = len(events)
    index.sync(locked=True)  # the portal's next read of the drafts finds nothing to redo
    run_id = hashlib.sha256(f"{as_of}|{now.isoformat()}|{sha256}".encode()).hexdigest()[:16]
    con.execute(
        "insert into outreach.dunning_runs values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [run_id, as_of, sha256, _naive(now), len(plan.notices), len(plan.escalations), len(plan.held)],
    )
    audit(
        SYSTEM_ACTOR,
        "dunning.run",
        f"run {as_of.isoformat()}",
        json.dumps(
            {
                "policy_sha256": sha256,
                "notices": len(plan.notices),
                "escalations": len(plan.escalations),
                "held": plan.held_counts(),
            },
            sort_keys=True,
        ),
    )
    return result


def _rejection_events(draft: DunningDraft, now: dt.datetime) -> list[OutreachEvent]:
    """A rejected notice on the timeline: who rejected it, when and why (once: the event id)."""
    return events_for(
        draft.notice_id, draft.account_id, draft.invoice_keys, draft.channel, "rejected",
        rejection_subject(draft), draft.rejected_at or now, draft.rejected_by or SYSTEM_ACTOR,
    )


SUPPRESSIONS = (
    "open_dispute", "pending_promise", "kept_promise", "on_track_plan", "stage_disputed", "stage_promised",
)


def withdraw_stale(
    con: duckdb.DuckDBPyConnection, outboxes: DunningOutboxes, plan: DunningPlan, audit: AccountAudit
) -> list[str]:
    """Delete unapproved customer drafts that chase an invoice paid or suppressed since they were
    drafted (a person approving it would chase a disputed or paid invoice), and forget their steps:
    they were never sent, so the sequence resumes, and the rest of what they chased is drafted again."""
    still_due = {
        row[0] for row in con.execute("select invoice_key from marts.ar_ledger where balance > 0").fetchall()
    }
    still_due -= {h.invoice_key for h in plan.held if h.reason in SUPPRESSIONS}
    candidates: list[tuple[str, str, list[str], object, str]] = []
    for item in outboxes.email.items("drafts"):
        message = item.message()
        if message[NOTICE_HEADER] and "-escalation-" not in item.name:
            keys = str(message[INVOICES_HEADER] or "").split(",")
            candidates.append(
                (f"dunning:{item.ident}", str(message[NOTICE_HEADER]), keys, outboxes.email, item.ident)
            )
    for label, outbox in (("sms", outboxes.sms), ("letter", outboxes.letter)):
        for item in outbox.items("drafts"):
            meta = item.message().meta
            candidates.append(
                (f"{label}:{item.ident}", meta["notice_id"], meta.get("invoice_keys", []), outbox, item.ident)
            )
    withdrawn = []
    for label, notice, keys, outbox, ident in candidates:
        settled = sorted(set(keys) - still_due)
        if not settled or not outbox.withdraw(ident):  # approved meanwhile: a person decided
            continue
        row = con.execute(
            "select account_id from outreach.dunning_notices where notice_id = ?", [notice]
        ).fetchone()
        con.execute("delete from outreach.dunning_steps where notice_id = ?", [notice])
        con.execute("delete from outreach.dunning_notices where notice_id = ?", [notice])
        audit(
            SYSTEM_ACTOR,
            "dunning.withdrawn",
            label,
            f"{notice}: invoice(s) {', '.join(settled)} paid or on hold since it was drafted",
            account_id=row[0] if row else None,
        )
        withdrawn.append(label)
    return withdrawn


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _draft_notice(
    policy: Policy,
    sha256: str,
    outboxes: DunningOutboxes,
    notice: Notice,
    as_of: dt.date,
    now: dt.datetime,
    audit: AccountAudit,
    result: RunResult,
    state: _StateRows,
) -> list[OutreachEvent]:
    account = notice.account
    ident = id_of(notice)
    name = notice_name(account.account_id, notice.channel, ident)
    day = as_of.isoformat()
    lead = notice.lead
    if notice.channel == "email":
        message = render_email(notice, policy.dunning, as_of)
        outboxes.email.write_draft(day, name, message)
        recipient, subject, label = account.contact.email, str(message["Subject"]), f"dunning:{day}/{name}"
    elif notice.channel == "sms":
        sms = render_sms(notice, policy.dunning, as_of)
        outboxes.sms.write_draft(day, name, sms)
        recipient, subject, label = (
            sms.recipient,
            f"SMS ({sms.meta['segments']} segment(s))",
            f"sms:{day}/{name}",
        )
    elif notice.channel == "letter":
        letter = render_letter(notice, policy.dunning, as_of)
        outboxes.letter.write_draft(day, name, letter)
        recipient, subject, label = (
            " / ".join(letter.meta["address_lines"]),
            letter.subject,
            f"letter:{day}/{name}",
        )
    else:
        row = call_task_row(notice, policy.team, as_of)
        state.call_tasks.append(row)
        result.call_tasks += 1
        recipient, subject, label = account.collector, row["task"], f"call:{ident}"
    keys = [item.invoice.invoice_key for item in notice.items]
    state.notices.append({
        "notice_id": ident,
        "run_on": as_of,
        "account_id": account.account_id,
        "channel": notice.channel,
        "segment": notice.segment,
        "step_name": lead.step.name,
        "template": lead.step.template,
        "tone": lead.step.tone,
        "recipient": recipient,
        "subject": subject,
        "scheduled_at": _naive(notice.scheduled_at),
        "scheduled_on": notice.local_day,
        "outbox_ident": label,
        "invoice_keys": ",".join(keys),
        "policy_sha256": sha256,
        "created_at": _naive(now),
    })
    state.steps.extend(
        {
            "invoice_key": item.invoice.invoice_key,
            "step_index": item.step_index,
            "account_id": account.account_id,
            "segment": notice.segment,
            "step_name": item.step.name,
            "channel": notice.channel,
            "notice_id": ident,
            "run_on": as_of,
        }
        for item in notice.items
    )
    result.drafted.append(label)
    audit(
        SYSTEM_ACTOR,
        "dunning.drafted",
        label,
        json.dumps(
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
        ),
        account_id=account.account_id,
    )
    return events_for(ident, account.account_id, keys, notice.channel, "drafted", subject, now, SYSTEM_ACTOR)


def _draft_escalation(
    con,
    policy: Policy,
    sha256: str,
    outboxes: DunningOutboxes,
    escalation: Escalation,
    as_of: dt.date,
    now: dt.datetime,
    audit: AccountAudit,
    result: RunResult,
) -> list[OutreachEvent]:
    account = escalation.account
    ident = escalation_id(escalation)
    managers = policy.team.managers_of(account.office)
    day = as_of.isoformat()
    labels = []
    for manager in managers:
        message = render_escalation(escalation, manager.name, manager.email, policy.dunning, as_of, now)
        name = notice_name(
            account.account_id, "escalation", hashlib.sha256(f"{ident}|{manager.email}".encode()).hexdigest()
        )
        outboxes.email.write_draft(day, name, message)
        labels.append(f"dunning:{day}/{name}")
    owner = managers[0] if managers else None
    invoices = list(escalation.invoices)
    _insert_call_task(
        con,
        {
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
        },
    )
    con.execute(
        "insert into outreach.dunning_escalations values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [
            escalation.key,
            account.account_id,
            escalation.reason,
            escalation.detail,
            as_of,
            ",".join(m.email for m in managers),
            ident,
        ],
    )
    con.execute(
        "insert into outreach.dunning_notices values "
        "(?, ?, ?, 'escalation', null, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?) "
        "on conflict do nothing",
        [
            ident,
            as_of,
            account.account_id,
            escalation.reason,
            policy.dunning.escalation.template,
            ",".join(m.email for m in managers) or None,
            escalation.detail,
            _naive(now),
            as_of,
            ";".join(labels) or None,
            ",".join(i.invoice_key for i in invoices),
            sha256,
            _naive(now),
        ],
    )
    result.escalation_drafts.extend(labels)
    audit(
        SYSTEM_ACTOR,
        "dunning.escalated",
        escalation.key,
        json.dumps(
            {
                "reason": escalation.reason,
                "managers": [m.email for m in managers],
                "drafts": labels,
                "policy_sha256": sha256,
            },
            sort_keys=True,
        ),
        account_id=account.account_id,
    )
    return events_for(
        ident,
        account.account_id,
        [i.invoice_key for i in invoices],
        "escalation",
        "drafted",
        escalation.detail,
        now,
        SYSTEM_ACTOR,
    )


def _insert_call_task(con, row: dict) -> None:
    con.execute(
        "insert into outreach.dunning_call_tasks by name select $task_id as task_id, $kind as kind, "
        "$account_id as account_id, $account_name as account_name, $assignee as assignee, "
        "$assignee_email as assignee_email, $task as task, $invoice_keys as invoice_keys, "
        "$open_balance as open_balance, $phone as phone, $due_on as due_on, $created_on as created_on, "
        "$notice_id as notice_id on conflict do nothing",
        row,
    )


def events_for(
    notice: str,
    account_id: str,
    invoice_keys: Iterable[str],
    channel: str,
    kind: str,
    subject: str,
    at: dt.datetime,
    actor: str,
) -> list[OutreachEvent]:
    """One raw.outreach_events row per invoice the notice covers (the timeline joins on invoices)."""
    return [
        OutreachEvent(f"{notice}:{kind}:{key}", account_id, key, channel, kind, subject, at, actor)
        for key in invoice_keys
    ]


def record_events(con: duckdb.DuckDBPyConnection, events: Iterable[OutreachEvent]) -> int:
    """Insert events once each (the event id decides), in one statement."""
    rows = [{**e.__dict__, "occurred_at": _naive(e.occurred_at)} for e in events]
    if rows:
        con.register("event_rows", pd.DataFrame(rows))
        con.execute(_INSERT_EVENTS)
        con.unregister("event_rows")
    return len(rows)


def _pending_path(home: Path) -> Path:
    return home / "outbox" / "dunning" / "pending_events.jsonl"


@contextmanager
def _pending_lock(home: Path) -> Iterator[Path]:
    """The pending-events file, held exclusively: a command appending while a run loads and
    empties the file would otherwise lose its lines."""
    path = _pending_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / "pending_events.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_events(home: Path, events: list[OutreachEvent], warehouse: Path) -> str:
    """Record approval/send events in the warehouse now, or, while a run holds it, in a file the
    next run loads (so the timeline shows them either way)."""
    from orchestration.storage.warehouse import connect

    if not events:
        return "none"
    try:
        with connect(warehouse) as con:
            record_events(con, events)
        return "warehouse"
    except duckdb.IOException:
        with _pending_lock(home) as path, path.open("a", encoding="utf-8") as handle:
            for e in events:
                handle.write(json.dumps({**e.__dict__, "occurred_at": e.occurred_at.isoformat()}) + "\n")
        return str(path)


def load_pending_events(con: duckdb.DuckDBPyConnection, home: Path) -> int:
    """Record the events commands left while a run held the warehouse, then empty the file."""
    with _pending_lock(home) as path:
        if not path.exists():
            return 0
        events = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                data["occurred_at"] = dt.datetime.fromisoformat(data["occurred_at"])
                events.append(OutreachEvent(**data))
        count = record_events(con, events)
        path.unlink()
        return count
