"""Rows of the collector worklists by account, as the portal store keeps them: each collector's
ranked accounts (marts.collector_worklist) and what the published lists reflect. Plain
dataclasses, no database code (portal.store reads and writes them)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CollectorAccount:
    """One ranked account of a collector's worklist (marts.collector_worklist)."""

    collector: str
    item_key: str
    collector_email: str | None
    collector_office: str | None
    rank: int
    account_id: str | None
    account_name: str | None
    payment_id: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    open_invoices: int
    open_balances: str | None
    days_past_due: int | None
    reason: str
    next_action: str
    due_by: dt.date | None
    priority_score: Decimal
    drivers: str
    notes: str | None
    days_since_contact: int | None

    def driver_list(self) -> list[dict]:
        """The drivers of the score ({driver, label, points}), largest first."""
        return json_dicts(self.drivers)


@dataclass(frozen=True)
class WorkbenchState:
    """What the published worklists reflect: their day, the last collector entry they count,
    and the worklist policy (next actions in order, promise and dispute windows)."""

    as_of_date: dt.date
    entries_through: int
    published_at: dt.datetime
    policy: dict


def json_dicts(text: str | None, *, by_points: bool = True) -> list[dict]:
    """The dicts of a JSON list (largest |points| first when `by_points`); [] when unreadable."""
    try:
        parsed = json.loads(text) if text else []
    except ValueError:
        return []
    found = [d for d in parsed if isinstance(d, dict)] if isinstance(parsed, list) else []
    return sorted(found, key=lambda d: -abs(float(d.get("points") or 0))) if by_points else found
