"""The collector worklists' read model (marts.collector_worklist): each collector's ranked
accounts (`collector_accounts`), the invoice and payment items under them (`collector_items`), and
what the published lists reflect (`workbench_state`). A collector's rows are found by the
session's email, or by the name in the lists for a manager already scoped to that collector."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Table, func, select

from portal.links import normalize_email
from portal.store.connection import PortalStore
from portal.store.tables import collector_accounts, collector_items
from portal.store.tables import workbench_state as state_table
from portal.worklist_rows import CollectorAccount, WorkbenchState, json_dicts


@dataclass(frozen=True)
class CollectorItem:
    """One ranked row of a collector's worklist (marts.collector_worklist)."""

    collector: str
    item_key: str
    collector_email: str | None
    collector_office: str | None
    rank: int
    invoice_key: str | None
    payment_id: str | None
    account_id: str | None
    account_name: str | None
    invoice_number: str | None
    currency: str | None
    balance: Decimal | None
    days_past_due: int | None
    aging_bucket: str | None
    reason: str | None
    next_action: str | None
    due_by: dt.date | None
    priority_score: Decimal | None
    drivers: str
    reasons: str | None = None
    source_number: str | None = None
    due_date: dt.date | None = None
    notes: str | None = None

    def driver_list(self) -> list[dict]:
        """The drivers of the score, largest contribution first."""
        return json_dicts(self.drivers)

    def reason_list(self) -> list[dict]:
        """Every reason that holds, in the policy's order, each with its due date (ISO text)."""
        return json_dicts(self.reasons, by_points=False)


def _owned_by(table: Table, collector_email: str | None, collector: str | None):
    """The rows of one collector: by the session's email, or by the name in the lists (for a
    manager already scoped to that collector); None unless exactly one is given."""
    if (collector_email is None) == (collector is None):
        return None
    if collector is not None:
        return table.c.collector == collector
    return table.c.collector_email == normalize_email(collector_email)


def _ranked(store: PortalStore, table: Table, row_type: type, conditions, limit: int | None) -> list:
    """Rows of `table` meeting `conditions` as `row_type`, by collector and rank."""
    query = (
        select(*[table.c[name] for name in row_type.__dataclass_fields__])
        .where(*conditions)
        .order_by(table.c.collector, table.c.rank)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [row_type(*row) for row in conn.execute(query)]


def _accounts(store: PortalStore, *conditions, limit: int | None = None) -> list[CollectorAccount]:
    return _ranked(store, collector_accounts, CollectorAccount, conditions, limit)


def _items(store: PortalStore, *conditions, limit: int | None = None) -> list[CollectorItem]:
    return _ranked(store, collector_items, CollectorItem, conditions, limit)


def accounts_for(
    store: PortalStore, collector_email: str, limit: int | None = None
) -> list[CollectorAccount]:
    """The ranked accounts of the collector with this email (the session's), top `limit`."""
    owner = collector_accounts.c.collector_email == normalize_email(collector_email)
    return _accounts(store, owner, limit=limit)


def accounts_of_collector(
    store: PortalStore, collector: str, limit: int | None = None
) -> list[CollectorAccount]:
    """The ranked accounts of a collector by roster name (for a manager already scoped)."""
    return _accounts(store, collector_accounts.c.collector == collector, limit=limit)


def collector_account(
    store: PortalStore, account_id: str, *, collector_email: str | None = None, collector: str | None = None
) -> CollectorAccount | None:
    """One account row of a collector's list (by the session's email, or by name for a manager
    already scoped); None when it is not on that list."""
    owner = _owned_by(collector_accounts, collector_email, collector)
    if owner is None:
        return None
    found = _accounts(store, owner, collector_accounts.c.account_id == account_id, limit=1)
    return found[0] if found else None


def items_of_accounts(
    store: PortalStore,
    account_ids: list[str],
    *,
    collector_email: str | None = None,
    collector: str | None = None,
) -> list[CollectorItem]:
    """A collector's items of these accounts, in rank order: by the session's email, or by the
    name in the lists for a manager already scoped to that collector."""
    owner = _owned_by(collector_items, collector_email, collector)
    if not account_ids or owner is None:
        return []
    return _items(store, owner, collector_items.c.account_id.in_(account_ids))


def items_for(store: PortalStore, collector_email: str, limit: int | None = None) -> list[CollectorItem]:
    """The ranked worklist of the collector with this email (the session's), top `limit` items."""
    return _items(store, collector_items.c.collector_email == normalize_email(collector_email), limit=limit)


def items_of_collector(store: PortalStore, collector: str, limit: int | None = None) -> list[CollectorItem]:
    """The ranked worklist of a collector by roster name (for a manager already scoped)."""
    return _items(store, collector_items.c.collector == collector, limit=limit)


def collector_account_items(store: PortalStore, collector: str, account_id: str) -> list[CollectorItem]:
    """A collector's items of this account by roster name (for a manager already scoped)."""
    return _items(store, collector_items.c.collector == collector, collector_items.c.account_id == account_id)


def account_items(store: PortalStore, collector_email: str, account_id: str) -> list[CollectorItem]:
    """This collector's items of this account; empty when the account is not on their list."""
    return _items(
        store,
        collector_items.c.collector_email == normalize_email(collector_email),
        collector_items.c.account_id == account_id,
    )


def account_names(
    store: PortalStore, *, collector_email: str | None = None, office: str | None = None
) -> dict[str, str]:
    """Accounts (id -> name) on one collector's list (by email), or on the lists of an office's
    collectors (every collector's when neither is given): whose drafts a person may act on."""
    query = select(collector_items.c.account_id, func.min(collector_items.c.account_name)).where(
        collector_items.c.account_id.is_not(None)
    )
    if collector_email is not None:
        query = query.where(collector_items.c.collector_email == normalize_email(collector_email))
    elif office is not None:
        query = query.where(collector_items.c.collector_office == office)
    with store.engine.connect() as conn:
        rows = conn.execute(query.group_by(collector_items.c.account_id))
        return {account_id: name or account_id for account_id, name in rows}


def invoice_numbers(store: PortalStore, invoice_keys: Iterable[str]) -> dict[str, str]:
    """The invoice number of each of these keys that is on a worklist."""
    keys = sorted(set(invoice_keys))
    if not keys:
        return {}
    query = select(collector_items.c.invoice_key, collector_items.c.invoice_number).where(
        collector_items.c.invoice_key.in_(keys), collector_items.c.invoice_number.is_not(None)
    )
    with store.engine.connect() as conn:
        return dict(conn.execute(query).all())


def account_open_balances(store: PortalStore, account_id: str) -> dict[str, Decimal]:
    """The account's open invoice balance per currency, over every collector's list."""
    query = select(collector_items.c.currency, collector_items.c.balance).where(
        collector_items.c.account_id == account_id, collector_items.c.invoice_key.is_not(None)
    )
    totals: dict[str, Decimal] = {}
    with store.engine.connect() as conn:
        for currency, balance in conn.execute(query):
            if currency and balance is not None:
                totals[currency] = totals.get(currency, Decimal("0.00")) + balance
    return totals


def workbench_state(store: PortalStore) -> WorkbenchState | None:
    """What the published worklists reflect; None before the first publish with a state."""
    columns = [state_table.c[name] for name in WorkbenchState.__dataclass_fields__]
    with store.engine.connect() as conn:
        row = conn.execute(select(*columns).where(state_table.c.state_id == 1)).first()
    if row is None:
        return None
    as_of, through, at, policy = row
    return WorkbenchState(as_of, through, at, json.loads(policy))
