"""An account's next action as it stands now: the published worklist replayed with the entries
collectors logged since (still in the store's inbox, not yet in the warehouse).

The pipeline publishes, per item, every reason that holds with its due date (`reasons`) and the
policy's order of reasons; this module applies the same rules as the worklist models in dbt
(int_worklist_records_attached, int_worklist_items_scored, the `worklist_*` macros) to a
promise, plan, dispute, resolution, call or note logged since, so the page shows at once what
the next run will show. Plain Python, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from portal.store.collector_entries import CollectorEntry
from portal.store.worklists import CollectorItem
from portal.worklist_rows import CollectorAccount, WorkbenchState

PROMISE_REASONS = ("promise_to_pay_broken", "promise_to_pay_due", "promise_to_pay_pending")
PLAN_REASONS = ("plan_behind", "plan_on_track")
DISPUTE_REASONS = ("dispute_overdue", "dispute_deadline_near", "open_dispute")
HELD_DUNNING = ("promise", "plan", "dispute", "call")
"""Entries after which an item has no dunning call due: a call is the call; the others hold dunning."""
NO_CONTACT_DRIVER = "no_contact"
CALL_OUTCOMES = {"reached": "reached the client", "voicemail": "left a voicemail",
                 "no_answer": "no answer", "wrong_number": "wrong number"}


@dataclass
class ItemNow:
    """An item with the reasons that hold after the new entries (reason -> due date), and its
    next action and due date from the first of them."""

    item: CollectorItem
    reasons: dict[str, dt.date | None]
    changed: bool = False
    next_action: str | None = None
    due_by: dt.date | None = None


@dataclass
class AccountNow:
    """What the account's row shows now: reason, action, due date, the drivers still true, and
    what was logged since the list was made."""

    account: CollectorAccount
    reason: str
    next_action: str
    due_by: dt.date | None
    drivers: list[dict]
    items: list[ItemNow]
    logged: list[str] = field(default_factory=list)

    @property
    def updated(self) -> bool:
        return bool(self.logged)


def published(account: CollectorAccount, items: list[ItemNow]) -> AccountNow:
    """The account as the pipeline published it (nothing logged since)."""
    for item in items:
        item.next_action = item.next_action or item.item.next_action
        item.due_by = item.due_by or item.item.due_by
    drivers = account.driver_list()
    return AccountNow(account, account.reason, account.next_action, account.due_by, drivers, items)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _money(currency: str | None, amount: Decimal | None) -> str:
    return f"{currency + ' ' if currency else ''}{amount:,.2f}" if amount is not None else ""


class Replay:
    """The worklist policy the pipeline published, applied to new entries."""

    def __init__(self, state: WorkbenchState) -> None:
        self.base = state.as_of_date
        actions = state.policy.get("next_actions", [])
        self.order = [a["reason"] for a in actions]
        self.actions = {a["reason"]: a["action"] for a in actions}
        self.days = {a["reason"]: int(a["due_in_days"]) for a in actions}
        self.promise_window = int(state.policy.get("promise_due_within_days", 3))
        self.dispute_window = int(state.policy.get("dispute_deadline_within_days", 3))

    def position(self, reason: str) -> int:
        return self.order.index(reason) if reason in self.order else len(self.order)

    def _in_days(self, reason: str) -> dt.timedelta:
        return dt.timedelta(days=self.days.get(reason, 0))

    def account(
        self, account: CollectorAccount, items: list[CollectorItem], entries: list[CollectorEntry]
    ) -> AccountNow:
        """The account's row after `entries` (those logged since the list was made, oldest first)."""
        now = [ItemNow(i, {r["reason"]: _day(r.get("due_by")) for r in i.reason_list()}) for i in items]
        touched: set[str] = set()
        logged = [self.apply(entry, now, touched) for entry in entries]
        for item in now:
            top = self._top(item) if item.reasons and item.changed else None
            item.next_action = self.actions.get(top, item.item.next_action) if top else item.item.next_action
            item.due_by = item.reasons[top] if top else item.item.due_by
        if not logged:
            return published(account, now)
        tops = [(self._top(i), i) for i in now if i.reasons]
        reason = min((r for r, _ in tops), key=self.position, default=account.reason)
        due = min((i.reasons[r] for r, i in tops if r == reason and i.reasons[r]), default=account.due_by)
        # A driver the entries made untrue (or replaced) goes; the new facts are in `logged`.
        drivers = [d for d in account.driver_list() if d.get("driver") not in touched | {NO_CONTACT_DRIVER}]
        action = self.actions.get(reason, account.next_action)
        return AccountNow(account, reason, action, due, drivers, now, logged)

    def _top(self, item: ItemNow) -> str:
        return min(item.reasons, key=self.position)

    def apply(self, entry: CollectorEntry, items: list[ItemNow], touched: set[str]) -> str:
        """Change the items' reasons as the entry does; returns what was logged, in words."""
        invoices = [i for i in items if i.item.invoice_key]
        for item in invoices:  # any entry is a contact
            self._drop(item, ("untouched",), touched)
        covered = self._covered(entry, invoices)
        if entry.kind in HELD_DUNNING:
            for item in covered if entry.kind != "call" else invoices:
                self._drop(item, ("dunning_call",), touched)
        handler = getattr(self, f"_{entry.kind}", None)
        return handler(entry, covered, touched) if handler else "Entry logged"

    @staticmethod
    def _covered(entry: CollectorEntry, invoices: list[ItemNow]) -> list[ItemNow]:
        keys = entry.covered_invoices()
        if keys:
            return [i for i in invoices if i.item.invoice_key in keys]
        if entry.kind in ("promise", "plan") and entry.currency:
            return [i for i in invoices if i.item.currency == entry.currency]
        return invoices if entry.kind == "promise" else []

    @staticmethod
    def _drop(item: ItemNow, reasons, touched: set[str]) -> None:
        for reason in reasons:
            if reason in item.reasons:
                del item.reasons[reason]
                touched.add(reason)
                item.changed = True

    @staticmethod
    def _add(item: ItemNow, reason: str, due: dt.date, touched: set[str]) -> None:
        item.reasons[reason] = due
        touched.add(reason)
        item.changed = True

    def _number(self, covered: list[ItemNow]) -> str:
        return ", ".join(i.item.invoice_number or i.item.invoice_key for i in covered)

    def _promise(self, entry: CollectorEntry, covered: list[ItemNow], touched: set[str]) -> str:
        date = entry.promised_date
        soon = date is not None and (date - self.base).days <= self.promise_window
        reason = "promise_to_pay_due" if soon else "promise_to_pay_pending"
        for item in covered:
            self._drop(item, PROMISE_REASONS, touched)
            self._add(item, reason, (date or self.base) + self._in_days(reason), touched)
        amount = _money(entry.currency, entry.promised_amount)
        what = f"promised {amount} by {date:%-d %b}" if date else "promise"
        named = entry.covered_invoices() and covered
        return f"Promise logged: {what}" + (f" ({self._number(covered)})" if named else "")

    def _plan(self, entry: CollectorEntry, covered: list[ItemNow], touched: set[str]) -> str:
        installments = entry.installments()
        first = _day(installments[0]["due_on"]) if installments else None
        for item in covered:
            self._drop(item, PLAN_REASONS, touched)
            self._add(item, "plan_on_track", (first or self.base) + self._in_days("plan_on_track"), touched)
        if not installments:
            return "Payment plan logged"
        amount = Decimal(installments[0]["amount"])
        return (f"Payment plan logged: {len(installments)} installments, the first "
                f"{_money(entry.currency, amount)} on {first:%-d %b}")

    def _dispute(self, entry: CollectorEntry, covered: list[ItemNow], touched: set[str]) -> str:
        deadline = entry.dispute_deadline
        for item in covered:
            self._add_dispute(item, deadline, touched)
        settle = f", to settle by {deadline:%-d %b}" if deadline else ""
        return f"Dispute logged on {self._number(covered)}: {entry.dispute_reason or ''}{settle}"

    def _add_dispute(self, item: ItemNow, deadline: dt.date | None, touched: set[str]) -> None:
        def due(reason: str) -> dt.date:
            relative = self.base + self._in_days(reason)
            return min(relative, deadline) if deadline else relative

        if deadline is not None and deadline < self.base:
            self._add(item, "dispute_overdue", self.base + self._in_days("dispute_overdue"), touched)
        elif deadline is not None and (deadline - self.base).days <= self.dispute_window:
            self._add(item, "dispute_deadline_near", due("dispute_deadline_near"), touched)
        self._add(item, "open_dispute", due("open_dispute"), touched)

    def _dispute_resolution(self, entry: CollectorEntry, covered: list[ItemNow], touched: set[str]) -> str:
        for item in covered:
            self._drop(item, DISPUTE_REASONS, touched)
        return f"Dispute on {self._number(covered)} resolved"

    def _call(self, entry: CollectorEntry, covered: list[ItemNow], touched: set[str]) -> str:
        outcome = CALL_OUTCOMES.get(entry.call_outcome or "", "call")
        return f"Call logged: {outcome}"

    def _note(self, entry: CollectorEntry, covered: list[ItemNow], touched: set[str]) -> str:
        return "Note logged"
