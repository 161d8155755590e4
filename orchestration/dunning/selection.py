"""Which reminders are due on a day: pure logic over facts read from the warehouse.

For each account: the first segment it matches; for each open invoice that nothing suppresses
(an open dispute, a pending or recently kept promise, an on-track plan), the next step of the
sequence once its offset from the due date is reached — steps go strictly in order and each
(invoice, step) is drafted once. Due invoices are grouped into ONE notice per channel; the contact
cap (touches on every channel and by every team, within `days` of the notice's scheduled date)
decides which notices may go, most advanced first; the rest wait for a later run. Escalations
(long past due with no response since the last touch, a broken promise) go to managers and are
raised once each.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from email.headerregistry import Address
from zoneinfo import ZoneInfo

from orchestration.config_dunning import WEEKDAYS, Dunning, Segment, SendingWindow, Step

# When two notices compete for the last touch the cap allows, the stronger channel goes first.
_CHANNEL_WEIGHT = {"letter": 3, "call_task": 2, "email": 1, "sms": 0}


@dataclass(frozen=True)
class Contact:
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address_lines: tuple[str, ...] = ()
    time_zone: str | None = None
    customer_type: str | None = None


@dataclass(frozen=True)
class OpenInvoice:
    invoice_key: str
    invoice_number: str
    account_id: str
    account_name: str
    office: str | None
    collector: str | None
    project: str | None
    currency: str | None
    amount: Decimal
    balance: Decimal
    due_date: dt.date

    def days_past_due(self, day: dt.date) -> int:
        return (day - self.due_date).days


@dataclass(frozen=True)
class Account:
    account_id: str
    account_name: str
    office: str | None
    collector: str | None
    invoices: tuple[OpenInvoice, ...]
    contact: Contact = Contact()
    first_invoice_on: dt.date | None = None
    risk_score: float | None = None
    risk_band: str | None = None
    dispute_count: int = 0

    def balances(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for invoice in self.invoices:
            totals[invoice.currency or ""] += invoice.balance
        return dict(totals)


@dataclass(frozen=True)
class Promise:
    promise_id: str
    account_id: str
    invoice_key: str | None
    status: str
    promised_date: dt.date | None
    currency: str | None = None
    promised_amount: Decimal | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the day's decision needs besides the open invoices."""

    steps_done: Mapping[str, int] = field(default_factory=dict)
    """invoice_key -> how many steps it has received (the next step's index)."""
    touches: Mapping[str, tuple[dt.date, ...]] = field(default_factory=dict)
    """account_id -> dates the customer was contacted (or is scheduled to be), by anyone."""
    last_response: Mapping[str, dt.date] = field(default_factory=dict)
    """account_id -> the customer's latest response (payment, reached call, promise, dispute, plan)."""
    open_disputes: frozenset[str] = frozenset()
    """Invoice keys (and account ids, for disputes about a whole account) with an open dispute."""
    promises: tuple[Promise, ...] = ()
    on_track_plans: frozenset[tuple[str, str]] = frozenset()
    """(account_id, currency) under a current payment plan that is on track."""
    escalated: frozenset[str] = frozenset()
    """Escalation keys already raised."""


@dataclass(frozen=True)
class DueItem:
    invoice: OpenInvoice
    step_index: int
    step: Step
    days_past_due: int


@dataclass(frozen=True)
class Notice:
    """One message (or call task) to one customer on one channel, covering its due invoices."""

    account: Account
    segment: str
    channel: str
    items: tuple[DueItem, ...]
    scheduled_at: dt.datetime
    """UTC."""
    local_day: dt.date

    @property
    def lead(self) -> DueItem:
        """The most advanced step among the items: its template and tone speak for the notice."""
        return max(self.items, key=lambda item: (item.step_index, item.days_past_due))


@dataclass(frozen=True)
class Escalation:
    key: str
    account: Account
    reason: str
    """no_response | broken_promise"""
    detail: str
    invoices: tuple[OpenInvoice, ...]


@dataclass(frozen=True)
class Held:
    account_id: str
    invoice_key: str | None
    reason: str
    """open_dispute | pending_promise | kept_promise | on_track_plan | contact_cap | no_segment |
    no_email | bad_email | no_phone | bad_phone | no_address"""


@dataclass
class DunningPlan:
    as_of: dt.date
    notices: list[Notice] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    def held_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.held:
            counts[item.reason] += 1
        return dict(sorted(counts.items()))


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


def _suppression(invoice: OpenInvoice, facts: Facts, dunning: Dunning, as_of: dt.date) -> str | None:
    rules = dunning.suppress
    if rules.open_dispute and ({invoice.invoice_key, invoice.account_id} & facts.open_disputes):
        return "open_dispute"
    for promise in facts.promises:
        if promise.account_id != invoice.account_id or promise.invoice_key not in (None, invoice.invoice_key):
            continue
        if promise.status == "pending" and rules.pending_promise:
            return "pending_promise"
        # A kept promise stands for one contact-cap period after its date (the money just came).
        if (
            promise.status == "kept"
            and rules.kept_promise
            and promise.promised_date is not None
            and (as_of <= promise.promised_date + dt.timedelta(days=dunning.contact_cap.days))
        ):
            return "kept_promise"
    if rules.on_track_plan and (invoice.account_id, invoice.currency or "") in facts.on_track_plans:
        return "on_track_plan"
    return None


_PHONE = re.compile(r"\+?[0-9 ().-]{3,30}")


def _one_address(email: str) -> bool:
    """True for one plain address (no line break, no list): the To header is built from it."""
    try:
        Address(addr_spec=email.strip())
    except ValueError:
        return False
    return True


def _address_problem(channel: str, contact: Contact) -> str | None:
    if channel == "email" and not contact.email:
        return "no_email"
    if channel == "email" and not _one_address(contact.email):
        return "bad_email"
    if channel == "sms" and not contact.phone:
        return "no_phone"
    if channel == "sms" and not _PHONE.fullmatch(contact.phone.strip()):
        return "bad_phone"  # the gateway file starts `To: <phone>`: no line breaks or other text
    if channel == "letter" and not contact.address_lines:
        return "no_address"
    return None


def plan_dunning(
    accounts: Iterable[Account], facts: Facts, dunning: Dunning, as_of: dt.date, default_timezone: str
) -> DunningPlan:
    """The notices, escalations and holds of `as_of`; nothing is written."""
    plan = DunningPlan(as_of)
    cap = dunning.contact_cap
    for account in sorted(accounts, key=lambda a: a.account_id):
        segment = segment_for(account, dunning.segments, as_of)
        if segment is None:
            plan.held.append(Held(account.account_id, None, "no_segment"))
        due: dict[str, list[DueItem]] = defaultdict(list)
        unsuppressed: list[OpenInvoice] = []
        for invoice in sorted(account.invoices, key=lambda i: (i.due_date, i.invoice_key)):
            reason = _suppression(invoice, facts, dunning, as_of)
            if reason:
                plan.held.append(Held(account.account_id, invoice.invoice_key, reason))
                continue
            unsuppressed.append(invoice)
            if segment is None:
                continue
            index = facts.steps_done.get(invoice.invoice_key, 0)
            if index >= len(segment.steps):
                continue
            step = segment.steps[index]
            days = invoice.days_past_due(as_of)
            if days >= step.offset_days:
                due[step.channel].append(DueItem(invoice, index, step, days))
        if segment is not None and due:
            _add_notices(plan, account, segment.name, due, facts, dunning, as_of, default_timezone, cap)
        plan.escalations.extend(_escalations(account, unsuppressed, facts, dunning, as_of))
    return plan


def _add_notices(
    plan: DunningPlan,
    account: Account,
    segment: str,
    due: dict[str, list[DueItem]],
    facts: Facts,
    dunning: Dunning,
    as_of: dt.date,
    default_timezone: str,
    cap,
) -> None:
    zone = account_timezone(account, dunning, default_timezone)
    touches = list(facts.touches.get(account.account_id, ()))
    candidates = []
    for channel, items in due.items():
        problem = _address_problem(channel, account.contact)
        if problem:
            plan.held.extend(Held(account.account_id, i.invoice.invoice_key, problem) for i in items)
            continue
        moment, local_day = scheduled_send(as_of, dunning.window(channel), zone)
        candidates.append(Notice(account, segment, channel, tuple(items), moment, local_day))
    candidates.sort(key=lambda n: (n.lead.step_index, _CHANNEL_WEIGHT[n.channel]), reverse=True)
    for notice in candidates:
        near = [t for t in touches if abs((notice.local_day - t).days) < cap.days]
        if len(near) >= cap.max_touches:
            plan.held.extend(
                Held(account.account_id, i.invoice.invoice_key, "contact_cap") for i in notice.items
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
        past = [t for t in facts.touches.get(account.account_id, ()) if t <= as_of]
        last_touch = max(past, default=None)
        response = facts.last_response.get(account.account_id)
        key = f"no_response:{account.account_id}"
        if (
            late
            and last_touch is not None
            and key not in facts.escalated
            and (response is None or response <= last_touch)
            and (as_of - last_touch).days >= rule.no_response_days
        ):
            oldest = max(i.days_past_due(as_of) for i in late)
            found.append(
                Escalation(
                    key,
                    account,
                    "no_response",
                    f"{len(late)} invoice(s) {rule.days_past_due}+ days past due (oldest {oldest} days); "
                    f"last contact {last_touch.isoformat()}, no response since.",
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
            related = tuple(i for i in account.invoices if promise.invoice_key in (None, i.invoice_key))
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
