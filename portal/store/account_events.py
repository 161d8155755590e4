"""The accounts' timelines (marts.account_timeline), as the workbench's account page shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from portal.store.connection import PortalStore
from portal.store.tables import account_events


@dataclass(frozen=True)
class AccountEvent:
    """One event of an account's timeline (marts.account_timeline)."""

    account_id: str
    sequence_number: int
    account_name: str | None
    occurred_at: dt.datetime | None
    kind: str
    invoice_key: str | None
    payment_id: str | None
    amount: Decimal | None
    currency: str | None
    actor: str | None
    detail: str | None


_EVENT_FIELDS = list(AccountEvent.__dataclass_fields__)


def timeline(store: PortalStore, account_id: str) -> list[AccountEvent]:
    """The account's timeline, newest first."""
    query = (
        select(*[account_events.c[name] for name in _EVENT_FIELDS])
        .where(account_events.c.account_id == account_id)
        .order_by(account_events.c.sequence_number.desc())
    )
    with store.engine.connect() as conn:
        return [AccountEvent(*row) for row in conn.execute(query)]
