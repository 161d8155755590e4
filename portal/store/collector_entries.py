"""The inbox of collector workbench entries (`collector_entries`, contract C2): the portal appends
(each entry audited with it), the pipeline ingests by entry id, and the workbench replays the
entries logged since the lists were published."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from portal.links import normalize_email
from portal.store import audit_log
from portal.store.connection import PortalStore
from portal.store.inbox import append_once
from portal.store.tables import collector_entries

ENTRY_KINDS = ("note", "call", "promise", "dispute", "dispute_resolution", "plan", "discrepancy")


@dataclass(frozen=True)
class NewEntry:
    """What a collector recorded in the workbench, before the store gives it an id (contract C2)."""

    submission_id: str
    collector_email: str
    collector: str
    kind: str
    account_id: str
    invoice_key: str | None
    note: str | None
    call_outcome: str | None
    currency: str | None
    promised_amount: Decimal | None
    promised_date: dt.date | None
    dispute_reason: str | None
    dispute_evidence: str | None
    dispute_deadline: dt.date | None
    resolution: str | None
    plan_installments: str | None
    submitted_at: dt.datetime
    entered_by: str | None = None
    """`customer` for what a customer entered at the customer door (collector_email is then the
    contact's); None for a collector's entry."""
    invoice_keys: str | None = None
    """A promise over a chosen set of two or more invoices: their keys (JSON list), with
    `invoice_key` empty; None otherwise."""
    accepted_amount: Decimal | None = None
    """A discrepancy: the difference a short payment left on `invoice_key` that the customer
    accepted (the matching rule writes it off with this consent as evidence)."""


@dataclass(frozen=True)
class CollectorEntry(NewEntry):
    """A stored entry; `entry_id` increases with every insert (the pipeline's watermark)."""

    entry_id: int = 0

    def covered_invoices(self) -> list[str]:
        """The invoices the entry names: its chosen set, its one invoice, or none (the account)."""
        if self.invoice_keys:
            return json.loads(self.invoice_keys)
        return [self.invoice_key] if self.invoice_key else []

    def installments(self) -> list[dict]:
        """The plan's installments as stored (due_on, amount as text)."""
        return json.loads(self.plan_installments) if self.plan_installments else []


_NEW_ENTRY_FIELDS = list(NewEntry.__dataclass_fields__)
_ENTRY_FIELDS = list(CollectorEntry.__dataclass_fields__)


def record(store: PortalStore, new: NewEntry) -> int:
    """Append an entry once per submission id, audited with it; a repeat returns the first one's id."""
    if new.kind not in ENTRY_KINDS:
        raise ValueError(f"unknown entry kind {new.kind!r}; known: {list(ENTRY_KINDS)}")
    row = {name: getattr(new, name) for name in _NEW_ENTRY_FIELDS}
    row["collector_email"] = normalize_email(new.collector_email)

    def audit(conn, entry_id: int) -> None:
        # The audit line commits with the entry, so a repeated post audits nothing more.
        detail = {"submission_id": new.submission_id, "invoice_key": new.invoice_key}
        if new.invoice_keys:
            detail["invoice_keys"] = json.loads(new.invoice_keys)
        audit_log.write(
            conn, row["collector_email"], f"{new.entered_by or 'collector'}_entry.{new.kind}", str(entry_id),
            json.dumps(detail), new.account_id
        )

    return append_once(
        store,
        collector_entries,
        row,
        identity=("collector_email", "account_id", "kind"),
        what="entry",
        with_insert=audit,
    )


def _entries(
    store: PortalStore, *conditions, limit: int | None = None, newest_first: bool = False
) -> list[CollectorEntry]:
    order = collector_entries.c.entry_id.desc() if newest_first else collector_entries.c.entry_id
    query = (
        select(*[collector_entries.c[name] for name in _ENTRY_FIELDS])
        .where(*conditions)
        .order_by(order)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [CollectorEntry(*row) for row in conn.execute(query)]


def after(store: PortalStore, entry_id: int, limit: int) -> list[CollectorEntry]:
    """Entries with an id above the watermark, oldest first, at most `limit`."""
    return _entries(store, collector_entries.c.entry_id > entry_id, limit=limit)


def get(
    store: PortalStore, collector_email: str, entry_id: int, account_id: str | None = None
) -> CollectorEntry | None:
    """One stored entry, only if this person wrote it (for the confirmation page), and where
    `account_id` is given only on that account."""
    conditions = [
        collector_entries.c.entry_id == entry_id,
        collector_entries.c.collector_email == normalize_email(collector_email),
    ]
    if account_id is not None:
        conditions.append(collector_entries.c.account_id == account_id)
    found = _entries(store, *conditions)
    return found[0] if found else None


def for_account(store: PortalStore, account_id: str, limit: int = 50) -> list[CollectorEntry]:
    """What collectors recorded on this account, newest first (shown before the next run)."""
    return _entries(store, collector_entries.c.account_id == account_id, limit=limit, newest_first=True)


def since(store: PortalStore, entry_id: int, account_ids: list[str]) -> list[CollectorEntry]:
    """Entries on these accounts with an id above `entry_id` (not in the published lists yet),
    oldest first."""
    if not account_ids:
        return []
    return _entries(
        store, collector_entries.c.entry_id > entry_id, collector_entries.c.account_id.in_(account_ids)
    )


def open_disputes(store: PortalStore, account_id: str) -> dict[str, CollectorEntry]:
    """Disputes recorded on this account's invoices and not resolved since, by invoice key."""
    kinds = or_(collector_entries.c.kind == "dispute", collector_entries.c.kind == "dispute_resolution")
    open_: dict[str, CollectorEntry] = {}
    for entry in _entries(store, collector_entries.c.account_id == account_id, kinds):
        if entry.invoice_key is None:
            continue
        if entry.kind == "dispute":
            open_[entry.invoice_key] = entry
        else:
            open_.pop(entry.invoice_key, None)
    return open_
