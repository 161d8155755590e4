"""How each demo account pays: behaviour worth learning for the risk model and its backtest.

Every account gets one behaviour, and each of its invoices is paid `days late` after its due
date as that behaviour says for the month the invoice falls due, plus day-to-day noise:

- `steady`: a small, consistent lateness (a few days early to ten days late);
- `drifting`: steady until a start date in the last months, then later every month (the
  accounts a model should flag before they cross the late threshold);
- `seasonal`: steady, except invoices due in the account's two or three slow months of the
  year, which are paid a month or more late;
- `chronic`: paid late, five weeks to two and a half months, all the time.

A few invoices are never paid (disputed or written off); more of them at chronic payers. The
paid dates reach the pipeline as the Last Modified Date of paid rows in the Salesforce exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

BEHAVIOURS = ("steady", "drifting", "seasonal", "chronic")
BEHAVIOUR_WEIGHTS = (0.5, 0.15, 0.15, 0.2)
NEVER_PAID = {"steady": 0.01, "drifting": 0.03, "seasonal": 0.015, "chronic": 0.08}
"""Share of each behaviour's invoices that are never paid."""
UNPAID = np.iinfo(np.int64).max // 2
"""`paid_day` of an invoice that is never paid."""


@dataclass(frozen=True)
class Behaviours:
    """Per account: behaviour index into BEHAVIOURS and its parameters (days, months)."""

    kind: np.ndarray
    base_days_late: np.ndarray
    """Typical days late outside slow months and before any drift (float)."""
    noise_days: np.ndarray
    drift_start_day: np.ndarray
    """Drifting: day (offset from as_of) the drift starts; 0 for the others."""
    drift_days_per_month: np.ndarray
    """Drifting: extra days late per 30 days since the drift started; 0 for the others."""
    slow_months: np.ndarray
    """Seasonal: bit mask of the calendar months (bit 0 = January) paid late; 0 for the others."""
    slow_extra_days: np.ndarray
    """Seasonal: extra days late in a slow month; 0 for the others."""

    def slow_month_names(self) -> list[str]:
        """Per account, its slow months as `Mar Apr May` (empty when not seasonal)."""
        masks, index = np.unique(self.slow_months, return_inverse=True)
        names = [
            " ".join(dt.date(2000, m + 1, 1).strftime("%b") for m in range(12) if int(mask) >> m & 1)
            for mask in masks.tolist()
        ]
        return np.array(names, dtype=object)[index].tolist()


def assign_behaviours(rng: np.random.Generator, n: int, history_days: int) -> Behaviours:
    """One behaviour per account, with parameters drawn for it."""
    kind = rng.choice(len(BEHAVIOURS), n, p=BEHAVIOUR_WEIGHTS)
    drifting, seasonal, chronic = (kind == BEHAVIOURS.index(b) for b in BEHAVIOURS[1:])
    base = rng.uniform(-4, 10, n)
    base[chronic] = rng.uniform(35, 75, chronic.sum())
    noise = np.where(chronic, rng.uniform(8, 15, n), rng.uniform(2, 5, n))
    drift_start = np.where(drifting, -rng.integers(90, min(300, history_days // 2), n), 0)
    drift_rate = np.where(drifting, rng.uniform(7, 14, n), 0.0)
    first_slow = rng.integers(0, 12, n)
    length = rng.integers(2, 4, n)
    slow = np.zeros(n, dtype=np.int64)
    for offset in range(3):
        slow |= np.where(offset < length, 1 << ((first_slow + offset) % 12), 0)
    slow = np.where(seasonal, slow, 0)
    slow_extra = np.where(seasonal, rng.uniform(35, 60, n), 0.0)
    return Behaviours(kind, base, noise, drift_start, drift_rate, slow, slow_extra)


def expected_days_late(
    behaviours: Behaviours, account: np.ndarray, due_day: np.ndarray, as_of: dt.date
) -> np.ndarray:
    """Days late each invoice's account would pay it, before noise (float)."""
    late = behaviours.base_days_late[account].copy()
    since_drift = np.maximum(0, due_day - behaviours.drift_start_day[account])
    late += np.where(
        behaviours.drift_days_per_month[account] > 0,
        since_drift / 30 * behaviours.drift_days_per_month[account],
        0,
    )
    month = (np.datetime64(as_of, "D") + due_day).astype("datetime64[M]").astype(np.int64) % 12
    in_slow = (behaviours.slow_months[account] >> month) & 1
    late += in_slow * behaviours.slow_extra_days[account]
    return late


def paid_days(
    rng: np.random.Generator,
    behaviours: Behaviours,
    account: np.ndarray,
    invoice_day: np.ndarray,
    due_day: np.ndarray,
    as_of: dt.date,
) -> np.ndarray:
    """The day (offset from as_of) each invoice is paid, UNPAID for those never paid.

    A payment comes at the earliest the day after the invoice date.
    """
    late = expected_days_late(behaviours, account, due_day, as_of)
    late += rng.normal(0, 1, len(account)) * behaviours.noise_days[account]
    paid = np.maximum(due_day + np.rint(late).astype(np.int64), invoice_day + 1)
    never = np.array([NEVER_PAID[b] for b in BEHAVIOURS])[behaviours.kind[account]]
    return np.where(rng.random(len(account)) < never, UNPAID, paid)
