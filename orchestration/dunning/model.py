"""The dunning decision's vocabulary: accounts and their open invoices, the facts around them,
and the plan a day's decision makes (notices, escalations, and what is held and why)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from orchestration.policy.dunning import Step


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
    stage: str | None = None
    stage_source: str | None = None
    """Where the ledger's stage came from: tracker, portal (a director's answer) or salesforce."""
    stage_updated_at: dt.datetime | None = None

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
    portal_url: str | None = None
    """The contact's signed link to the customer door, where the portal is configured for customers."""

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
    invoice_keys: tuple[str, ...] | None = None
    """The invoices it covers (its one invoice, or a set a customer chose); None: the account's."""

    def covers(self, invoice_key: str) -> bool:
        """Whether the promise stands for this invoice of its account."""
        keys = self.invoice_keys or ((self.invoice_key,) if self.invoice_key else None)
        return keys is None or invoice_key in keys


@dataclass(frozen=True)
class Facts:
    """Everything the day's decision needs besides the open invoices."""

    steps_done: Mapping[str, int] = field(default_factory=dict)
    """invoice_key -> how many steps it has received (the next step's index)."""
    first_seen: Mapping[str, dt.date] = field(default_factory=dict)
    """invoice_key -> the day a dunning run first saw it open (absent: first seen today)."""
    touches: Mapping[str, tuple[dt.date, ...]] = field(default_factory=dict)
    """account_id -> dates the customer was contacted (or is scheduled to be), by anyone."""
    contacts: Mapping[str, tuple[tuple[dt.date, str], ...]] = field(default_factory=dict)
    """account_id -> (day, what) of each contact actually made: a message sent, a call logged
    (drafts never sent are not contact)."""
    last_response: Mapping[str, dt.date] = field(default_factory=dict)
    """account_id -> the customer's latest response (payment, reached call, reply logged as a note,
    promise, dispute, plan, a director's answer)."""
    open_disputes: frozenset[str] = frozenset()
    """Invoice keys (and account ids, for disputes about a whole account) with an open dispute."""
    promises: tuple[Promise, ...] = ()
    on_track_plans: frozenset[tuple[str, str]] = frozenset()
    """(account_id, currency) under a current payment plan that is on track."""
    escalated: frozenset[str] = frozenset()
    """Escalation keys already raised."""
    unapplied_cash: Mapping[str, str] = field(default_factory=dict)
    """account_id -> the customer's cash not yet applied, in words (their notices wait)."""
    payment_files_missing: str | None = None
    """Why every notice waits for the day's payment files; None when they are in."""
    drafted_today: int = 0
    """Notices (call tasks included) earlier runs drafted for the same day: the daily limit's
    room is what they left."""


@dataclass(frozen=True)
class DueItem:
    invoice: OpenInvoice
    step_index: int
    step: Step
    days_past_due: int
    skipped: tuple[Step, ...] = ()
    """Catch-up: earlier steps of the sequence this invoice was already too old for when the
    dunning first saw it (the first run, or an invoice that entered the ledger late)."""
    first_seen: dt.date | None = None
    """With `skipped`: the day the dunning first saw the invoice."""

    @property
    def reminded_before(self) -> bool:
        """True when an earlier step of the sequence went out (was drafted, not skipped)."""
        return self.step_index > len(self.skipped)


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

    @cached_property
    def lead(self) -> DueItem:
        """The most advanced step among the items: its template and tone speak for the notice
        (asked for again and again while a run plans and drafts: kept once found)."""
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
    """open_dispute | pending_promise | kept_promise | on_track_plan | stage_disputed |
    stage_promised | payment_files_not_in | unapplied_cash | contact_cap | daily_limit | no_segment |
    no_email | bad_email | no_phone | bad_phone | no_address"""
    detail: str | None = None
    """The reason in words, where it has particulars (the stage and who set it, the cash waiting)."""


@dataclass
class DunningPlan:
    as_of: dt.date
    notices: list[Notice] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    """Every account the day's decision looked at."""

    def replacing(self, account_ids: set[str], again: DunningPlan) -> DunningPlan:
        """This plan with its decisions on `account_ids` taken from `again`, in account order: an
        account's decision reads only its own facts, so the other accounts' decisions stand."""
        position = {account.account_id: n for n, account in enumerate(self.accounts)}

        def merged(mine: list, theirs: list, account_of: Callable[[Any], str]) -> list:
            kept = [item for item in mine if account_of(item) not in account_ids]
            return sorted(kept + theirs, key=lambda item: position[account_of(item)])  # stable

        return DunningPlan(
            self.as_of,
            merged(self.notices, again.notices, lambda notice: notice.account.account_id),
            merged(self.escalations, again.escalations, lambda escalation: escalation.account.account_id),
            merged(self.held, again.held, lambda held: held.account_id),
            self.accounts,
        )

    def held_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.held:
            counts[item.reason] += 1
        return dict(sorted(counts.items()))
