"""The invented world behind the demo files: customers, staff, invoices and their history.

Every landing file is rendered from this one model and the truth is read from it, so the files
and the truth cannot disagree. Times are minutes since midnight of `as_of` in the report's time
zone, always within business hours, so no daylight-saving gap or repeat can reorder them.
`world.build_world` makes it (the parties in `parties`, the invoices and their weekly exports
in `billing`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from orchestration.demo.behaviour import Behaviours

EXPORT_DAYS = (-14, -7, 0)
"""Weekly Salesforce exports per office, as day offsets from `as_of`."""

HISTORY_DAYS = 600
"""Invoices go back this many days (~20 months: 18 whole months of payment history)."""
HOME_CURRENCY = {"LDN": "GBP"}
"""Offices that bill in something other than USD; a share of their clients still pay in USD."""
TRACKER_SHARE, TRACKER_CAP = 0.3, 20_000
BUSINESS_HOURS = (8 * 60, 19 * 60)


@dataclass(frozen=True)
class Export:
    """One Salesforce report export of one office: its invoices and their state at that time."""

    office: int
    day: int
    generated_minute: int
    members: np.ndarray
    balance: np.ndarray
    stage: np.ndarray
    modified: np.ndarray


@dataclass(frozen=True)
class World:
    """Arrays indexed by account, project, person or invoice; invoices are Salesforce's."""

    as_of: dt.date
    offices: tuple[str, ...]
    stages: tuple[str, ...]
    paid_stage: int
    currencies: tuple[str, ...]
    person_name: np.ndarray
    person_email: np.ndarray
    collectors: tuple[np.ndarray, ...]
    account_name: np.ndarray
    account_id: np.ndarray
    account_collector: np.ndarray
    project_name: np.ndarray
    project_director: np.ndarray
    office: np.ndarray
    number: np.ndarray
    account: np.ndarray
    project: np.ndarray
    invoice_day: np.ndarray
    due_day: np.ndarray
    currency: np.ndarray
    amount: np.ndarray
    balance: np.ndarray
    stage: np.ndarray
    exports: tuple[Export, ...]
    legacy_office: np.ndarray
    legacy_number: np.ndarray
    legacy_account: np.ndarray
    legacy_amount: np.ndarray
    legacy_due_day: np.ndarray
    legacy_stage: np.ndarray
    behaviours: Behaviours
    """How each account pays (orchestration/demo/behaviour.py)."""
    paid_day: np.ndarray
    """Per invoice: the day it was paid in full (offset from as_of), `behaviour.UNPAID` if never."""

    @property
    def open_stages(self) -> np.ndarray:
        return np.array([i for i in range(len(self.stages)) if i != self.paid_stage])


def stage_for(open_stages: np.ndarray, days_past_due: np.ndarray, rng: np.random.Generator):
    """An open stage that fits how late an invoice is, with the spread real teams show."""
    progress = np.clip((days_past_due + 15) / 120, 0, 1) * (len(open_stages) - 1)
    jitter = rng.uniform(-0.9, 0.9, len(days_past_due))
    return open_stages[np.clip(np.rint(progress + jitter), 0, len(open_stages) - 1).astype(int)]


def tracker_rows(invoices: int) -> int:
    """How many rows the legacy tracker holds: ~30% of invoices, capped at a hand-kept size."""
    return min(round(TRACKER_SHARE * invoices), TRACKER_CAP)
