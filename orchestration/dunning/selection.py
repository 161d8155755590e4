"""Which reminders are due on a day: pure logic over facts read from the warehouse.

For each account: the first segment it matches; for each open invoice that nothing suppresses
(an open dispute, a pending or recently kept promise, an on-track plan, a stage the policy maps to
disputed or promised), the next step of the sequence once its offset from the due date is reached.
An invoice never reminded before (the first run, or one that entered the ledger late) starts at the
step that fits its age, the earlier steps skipped with the reason; after that, steps go strictly in
order and each (invoice, step) is drafted once. Due invoices are grouped into ONE notice per
channel; the contact cap (touches on every channel and by every team, within `days` of the
notice's scheduled date) decides which notices may go, most advanced first; the rest wait for a
later run. With `daily_limit`, a day's runs draft at most that many notices, the most pressing
accounts first, and the others wait for a later run's room. Cash comes first: while the day's
payment files are not in, or cash of a customer's waits unapplied, their notices and escalations
wait. Escalations (long past due with no response since the last contact actually made, a broken
promise) go to managers and are raised once each.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from orchestration.dunning.channels import drafter
from orchestration.dunning.model import (
    Account,
    Contact,
    DueItem,
    DunningPlan,
    Escalation,
    Facts,
    Held,
    Notice,
    OpenInvoice,
    Promise,
)
from orchestration.policy.dunning import WEEKDAYS, Dunning, Segment, SendingWindow

__all__ = [  # the vocabulary is imported from here as well as from `model`
    "Account",
    "Contact",
    "DueItem",
    "DunningPlan",
    "Escalation",
    "Facts",
    "Held",
    "Notice",
    "OpenInvoice",
    "Promise",
    "account_timezone",
    "next_step",
    "plan_dunning",
    "scheduled_send",
    "segment_for",
    "within_daily_limit",
]

def account_timezone(account: Account, dunning: Dunning, default: str) -> ZoneInfo:
    """The customer's own time zone, else its office's, else the policy's."""
    name = account.contact.time_zone or dunning.office_timezones.get(account.office or "") or default
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # a bad zone in contact data must not stop everyone's notices
        return ZoneInfo(default)


def scheduled_send(day: dt.date, window: SendingWindow, zone: ZoneInfo) -> tuple[dt.datetime, dt.date]:
    """The window's first opening on or after `day` in `zone`: (UTC moment, local date)."""
    allowed = {WEEKDAYS.index(d) for d in window.days}
    local_day = day
    while local_day.weekday() not in allowed:
        local_day += dt.timedelta(days=1)
    moment = dt.datetime.combine(local_day, window.start, tzinfo=zone)
    return moment.astimezone(dt.UTC), local_day


def segment_for(account: Account, segments: Iterable[Segment], as_of: dt.date) -> Segment | None:
    """The first segment whose every condition the account meets."""
    balance = max(account.balances().values(), default=Decimal(0))
    tenure = (as_of - account.first_invoice_on).days if account.first_invoice_on else 0
    for segment in segments:
        m = segment.match
        checks = [
            m.min_balance is None or balance >= m.min_balance,
            m.max_balance is None or balance <= m.max_balance,
            m.risk_bands is None or account.risk_band in m.risk_bands,
            m.min_risk_score is None
            or (account.risk_score is not None and account.risk_score >= m.min_risk_score),
            m.max_risk_score is None
            or (account.risk_score is not None and account.risk_score <= m.max_risk_score),
            m.min_tenure_days is None or tenure >= m.min_tenure_days,
            m.max_tenure_days is None or tenure <= m.max_tenure_days,
            m.min_disputes is None or account.dispute_count >= m.min_disputes,
            m.max_disputes is None or account.dispute_count <= m.max_disputes,
            m.customer_types is None or account.contact.customer_type in m.customer_types,
        ]
        if all(checks):
            return segment
    return None


STAGE_SOURCES = {"tracker": "the tracker", "portal": "a director's answer", "salesforce": "Salesforce"}


def _suppression(
    invoice: OpenInvoice, facts: Facts, dunning: Dunning, as_of: dt.date
) -> tuple[str, str | None] | None:
    """(reason, detail) of what holds this invoice's reminders, or None."""
    rules = dunning.suppress
    if rules.open_dispute and ({invoice.invoice_key, invoice.account_id} & facts.open_disputes):
        return "open_dispute", None
    for promise in facts.promises:
        if promise.account_id != invoice.account_id or not promise.covers(invoice.invoice_key):
            continue
        if promise.status == "pending" and rules.pending_promise:
            return "pending_promise", None
        # A kept promise stands for one contact-cap period after its date (the money just came).
        if (
            promise.status == "kept"
            and rules.kept_promise
            and promise.promised_date is not None
            and (as_of <= promise.promised_date + dt.timedelta(days=dunning.contact_cap.days))
        ):
            return "kept_promise", None
    if rules.on_track_plan and (invoice.account_id, invoice.currency or "") in facts.on_track_plans:
        return "on_track_plan", None
    meaning = dunning.stage_meanings.meaning(invoice.stage)
    if meaning:
        return f"stage_{meaning}", _stage_words(invoice)
    return None


def _stage_words(invoice: OpenInvoice) -> str:
    """`stage Disputed (the tracker, 2026-10-27)`: what the team said and where."""
    where = [STAGE_SOURCES.get(invoice.stage_source or "", invoice.stage_source or "")]
    if invoice.stage_updated_at is not None:
        where.append(invoice.stage_updated_at.date().isoformat())
    said = ", ".join(w for w in where if w)
    return f"stage {' '.join((invoice.stage or '').split())}" + (f" ({said})" if said else "")


def next_step(
    segment: Segment,
    invoice: OpenInvoice,
    done: int | None,
    as_of: dt.date,
    first_seen: dt.date | None = None,
) -> DueItem | None:
    """The step due on `as_of` for an invoice that received `done` steps; None: nothing is due.

    An invoice never reminded (`done` None) starts at the step that fits its age on the day the
    dunning first saw it (`first_seen`, default `as_of`), the earlier steps skipped: no friendly
    first reminder at 569 days past due on the first run or for an invoice that entered the ledger
    late. One held from its first sight (a dispute, a promise) starts where its age then put it."""
    steps = segment.steps
    days = invoice.days_past_due(as_of)
    index, skipped, seen = done or 0, (), None
    if done is None:
        seen = min(first_seen or as_of, as_of)
        index = max(bisect_right(segment.offsets, invoice.days_past_due(seen)) - 1, 0)
        skipped = tuple(steps[:index])
    if index >= len(steps) or days < steps[index].offset_days:
        return None
    return DueItem(invoice, index, steps[index], days, skipped, seen if skipped else None)


def plan_dunning(
    accounts: Iterable[Account], facts: Facts, dunning: Dunning, as_of: dt.date, default_timezone: str
) -> DunningPlan:
    """The notices, escalations and holds of `as_of`; nothing is written."""
    plan = DunningPlan(as_of, accounts=sorted(accounts, key=lambda a: a.account_id))
    for account in plan.accounts:
        segment = segment_for(account, dunning.segments, as_of)
        if segment is None:
            plan.held.append(Held(account.account_id, None, "no_segment"))
        due: dict[str, list[DueItem]] = defaultdict(list)
        unsuppressed: list[OpenInvoice] = []
        for invoice in sorted(account.invoices, key=lambda i: (i.due_date, i.invoice_key)):
            suppressed = _suppression(invoice, facts, dunning, as_of)
            if suppressed:
                plan.held.append(Held(account.account_id, invoice.invoice_key, *suppressed))
                continue
            unsuppressed.append(invoice)
            key = invoice.invoice_key
            done, seen = facts.steps_done.get(key), facts.first_seen.get(key)
            item = next_step(segment, invoice, done, as_of, seen) if segment else None
            if item is not None:
                due[item.step.channel].append(item)
        escalations = _escalations(account, unsuppressed, facts, dunning, as_of)
        cash = _cash_hold(account.account_id, facts)
        if cash and (due or escalations):  # nobody is chased for money that may have just come
            plan.held.extend(_cash_held(account, due, escalations, *cash))
            continue
        if segment is not None and due:
            _add_notices(plan, account, segment.name, due, facts, dunning, as_of, default_timezone)
        plan.escalations.extend(escalations)
    return plan


def within_daily_limit(plan: DunningPlan, limit: int | None, drafted_today: int) -> DunningPlan:
    """`plan` with at most the room `limit` leaves after `drafted_today` notices: whole accounts,
    most pressing first (the most advanced step, then the oldest debt, then the largest balance
    its notices chase); every invoice of an account left out is held as `daily_limit` and is due
    again on the next run, so nothing is dropped."""
    if limit is None:
        return plan
    room = max(0, limit - drafted_today)
    if len(plan.notices) <= room:
        return plan
    by_account: dict[str, list[Notice]] = defaultdict(list)
    for notice in plan.notices:
        by_account[notice.account.account_id].append(notice)

    def pressure(account_id: str) -> tuple:
        notices = by_account[account_id]
        leads = [notice.lead for notice in notices]
        chased = sum(item.invoice.balance for notice in notices for item in notice.items)
        return (-max(lead.step_index for lead in leads), -max(lead.days_past_due for lead in leads),
                -chased, account_id)

    kept: set[str] = set()
    for account_id in sorted(by_account, key=pressure):
        if len(by_account[account_id]) <= room:
            kept.add(account_id)
            room -= len(by_account[account_id])
    detail = (f"at most {limit:,} new notices a day (dunning.daily_limit), {drafted_today:,} drafted "
              "earlier today: drafted on a later run")
    waiting = [Held(notice.account.account_id, item.invoice.invoice_key, "daily_limit", detail)
               for notice in plan.notices if notice.account.account_id not in kept for item in notice.items]
    return replace(plan, notices=[n for n in plan.notices if n.account.account_id in kept],
                   held=[*plan.held, *waiting])


def _cash_hold(account_id: str, facts: Facts) -> tuple[str, str] | None:
    """(reason, detail) when cash may still change what this customer owes."""
    if facts.payment_files_missing:
        return "payment_files_not_in", facts.payment_files_missing
    if account_id in facts.unapplied_cash:
        return "unapplied_cash", facts.unapplied_cash[account_id]
    return None


def _cash_held(
    account: Account, due: dict[str, list[DueItem]], escalations: list[Escalation], reason: str, detail: str
) -> list[Held]:
    """The due steps and escalations of an account that wait for cash, each with the reason."""
    held = [Held(account.account_id, i.invoice.invoice_key, reason, detail) for v in due.values() for i in v]
    held.extend(
        Held(account.account_id, None, reason, f"escalation ({e.reason}) waits: {detail}")
        for e in escalations
    )
    return held


def _add_notices(
    plan: DunningPlan,
    account: Account,
    segment: str,
    due: dict[str, list[DueItem]],
    facts: Facts,
    dunning: Dunning,
    as_of: dt.date,
    default_timezone: str,
) -> None:
    cap = dunning.contact_cap
    zone = account_timezone(account, dunning, default_timezone)
    touches = list(facts.touches.get(account.account_id, ()))
    candidates = []
    for channel, items in due.items():
        problem = drafter(channel).address_problem(account.contact)
        if problem:
            plan.held.extend(Held(account.account_id, i.invoice.invoice_key, problem) for i in items)
            continue
        moment, local_day = scheduled_send(as_of, dunning.window(channel), zone)
        candidates.append(Notice(account, segment, channel, tuple(items), moment, local_day))
    candidates.sort(key=lambda n: (n.lead.step_index, drafter(n.channel).weight), reverse=True)
    for notice in candidates:
        near = [t for t in touches if abs((notice.local_day - t).days) < cap.days]
        if len(near) >= cap.max_touches:
            detail = (
                f"{notice.channel} on {notice.local_day.isoformat()} would follow contact on "
                f"{', '.join(sorted({t.isoformat() for t in near}))} (at most {cap.max_touches} "
                f"within {cap.days} days)"
            )
            plan.held.extend(
                Held(account.account_id, i.invoice.invoice_key, "contact_cap", detail) for i in notice.items
            )
            continue
        touches.append(notice.local_day)
        plan.notices.append(notice)


def _escalations(
    account: Account, invoices: list[OpenInvoice], facts: Facts, dunning: Dunning, as_of: dt.date
) -> list[Escalation]:
    rule = dunning.escalation
    found: list[Escalation] = []
    if rule.days_past_due is not None:
        late = [i for i in invoices if i.days_past_due(as_of) >= rule.days_past_due]
        made = [c for c in facts.contacts.get(account.account_id, ()) if c[0] <= as_of]
        last_day, last_what = max(made, default=(None, ""))
        response = facts.last_response.get(account.account_id)
        key = f"no_response:{account.account_id}"
        if (
            late
            and last_day is not None
            and key not in facts.escalated
            and (response is None or response < last_day)  # an answer the same day is an answer
            and (as_of - last_day).days >= rule.no_response_days
        ):
            oldest = max(i.days_past_due(as_of) for i in late)
            found.append(
                Escalation(
                    key,
                    account,
                    "no_response",
                    f"{len(late)} invoice(s) {rule.days_past_due}+ days past due (oldest {oldest} days); "
                    f"last contact {last_day.isoformat()} ({last_what}), no response since.",
                    tuple(late),
                )
            )
    if rule.broken_promise:
        for promise in facts.promises:
            key = f"broken_promise:{promise.promise_id}"
            if (
                promise.account_id != account.account_id
                or promise.status != "broken"
                or key in facts.escalated
            ):
                continue
            related = tuple(i for i in account.invoices if promise.covers(i.invoice_key))
            when = promise.promised_date.isoformat() if promise.promised_date else "an unknown date"
            found.append(
                Escalation(
                    key,
                    account,
                    "broken_promise",
                    f"Promise {promise.promise_id} to pay by {when} was broken.",
                    related,
                )
            )
    return found
