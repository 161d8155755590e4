"""What the invented world billed, and how each invoice stood in each weekly Salesforce export:
invoice numbers per office, final balances and stages, the exports walked back in time, and the
legacy invoices only the tracker holds."""

from __future__ import annotations

import numpy as np

from orchestration.demo.model import BUSINESS_HOURS, EXPORT_DAYS, HISTORY_DAYS, Export, stage_for

SHARED_NUMBER_RATE = 0.003
"""Share of invoices whose number another office also used (a few dozen per 10k)."""


def invoices(rng, offices, accounts, projects, n) -> dict:
    """`n` Salesforce invoices of the accounts (the popular ones more often) over the history:
    office, account, project, days invoiced and due, currency, amount in cents and number."""
    popularity = accounts["popularity"]
    account = rng.choice(len(popularity), n, p=popularity / popularity.sum())
    office = accounts["office"][account]
    invoice_day = rng.integers(-HISTORY_DAYS, 0, n)
    due_day = invoice_day + accounts["terms"][account]
    project = projects["start"][account] + (rng.random(n) * projects["count"][account]).astype(int)
    cents = np.clip(np.rint(rng.lognormal(np.log(6000), 1.1, n) * 100), 15_000, 75_000_000).astype(np.int64)
    whole = rng.random(n) < 0.4
    cents[whole] = np.maximum(cents[whole] // 10_000 * 10_000, 10_000)
    return {
        "office": office,
        "account": account,
        "project": project,
        "invoice_day": invoice_day,
        "due_day": due_day,
        "currency": accounts["currency"][account],
        "amount": cents,
        "number": _invoice_numbers(rng, office, invoice_day, len(offices)),
    }


def _invoice_numbers(rng, office, invoice_day, n_offices) -> np.ndarray:
    """Sequential per office in date order, from separate ranges, except a few numbers that a
    later office reused from the first one (the same number, two different invoices)."""
    number = np.zeros(len(office), dtype=np.int64)
    base = 200_001
    for o in range(n_offices):
        members = np.flatnonzero(office == o)
        order = members[np.lexsort((rng.random(len(members)), invoice_day[members]))]
        number[order] = base + np.arange(len(order))
        base = -(-(base + len(order) + 100_000) // 100_000) * 100_000 + 1
    first = np.flatnonzero(office == 0)
    for o in range(1, n_offices):
        members = np.flatnonzero(office == o)
        k = min(
            max(2, round(len(office) * SHARED_NUMBER_RATE / (n_offices - 1))),
            len(members),
            len(first),
        )
        number[rng.choice(members, k, replace=False)] = number[rng.choice(first, k, replace=False)]
    return number


PARTIAL_SHARE = 0.18
"""Share of open invoices that the client has paid in part."""


def final_state(rng, inv, paid_day, open_stages, paid_stage):
    """Balance and stage in the newest export: invoices not paid before `as_of` are open."""
    past_due = -inv["due_day"]
    is_open = paid_day >= 0
    amount = inv["amount"]
    balance = np.where(is_open, amount, 0)
    partial = is_open & (rng.random(len(amount)) < PARTIAL_SHARE)
    balance[partial] = np.clip(
        np.rint(amount[partial] * rng.uniform(0.15, 0.85, partial.sum())), 1, amount[partial] - 1
    )
    stage = np.where(is_open, stage_for(open_stages, past_due, rng), paid_stage)
    return balance, stage


def _business_minutes(rng, first_day: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """A random business-hours minute on a random day in [first_day, last_day]."""
    day = first_day + (rng.random(len(first_day)) * (last_day - first_day + 1)).astype(np.int64)
    return day * 1440 + rng.integers(*BUSINESS_HOURS, len(first_day))


def weekly_exports(
    rng, offices, inv, paid_day, balance, stage, open_stages, paid_stage
) -> tuple[Export, ...]:
    """Walk each invoice back from its final state through the weekly exports.

    An invoice paid between two exports is open in the earlier one (in full, or in part) and
    its `Last Modified Date` is the moment it was paid; one paid before its first export shows
    balance 0 with that moment. Between two exports an open invoice may also get a part
    payment, a stage change, or an edit invisible in the report, each moving `Last Modified
    Date` into that week. Unchanged invoices keep the same timestamp, so later exports tie
    with earlier ones.
    """
    n, k_last = len(balance), len(EXPORT_DAYS) - 1
    days = np.array(EXPORT_DAYS)
    first = np.searchsorted(days, inv["invoice_day"], side="right")
    recent = (-inv["due_day"] < 120) | (balance > 0)
    changed = [None] + [
        (first <= k - 1) & (rng.random(n) < np.where(recent, 0.2, 0.02)) for k in range(1, k_last + 1)
    ]
    settled = [None] + [(paid_day >= days[k - 1]) & (paid_day < days[k]) for k in range(1, k_last + 1)]
    balances, stages = [None] * (k_last + 1), [None] * (k_last + 1)
    balances[k_last], stages[k_last] = balance, stage
    for k in range(k_last, 0, -1):
        balances[k - 1], stages[k - 1] = _week_before(
            rng, inv, balances[k], stages[k], settled[k], changed[k], days[k - 1], open_stages, paid_stage
        )
    paid_at = np.clip(paid_day, -(1 << 40), 0) * 1440 + rng.integers(*BUSINESS_HOURS, n)
    modified = _business_minutes(rng, inv["invoice_day"], days[first] - 1)
    modified = np.where(paid_day < days[np.minimum(first, k_last)], paid_at, modified)
    exports = []
    for k in range(k_last + 1):
        if k:
            week = _business_minutes(rng, np.full(n, days[k - 1]), np.full(n, days[k] - 1))
            modified = np.where(changed[k], week, modified)
            modified = np.where(settled[k], paid_at, modified)
        for o in range(len(offices)):
            members = np.flatnonzero((inv["office"] == o) & (first <= k))
            exports.append(
                Export(
                    office=o,
                    day=int(days[k]),
                    generated_minute=int(rng.integers(390, 450)),
                    members=members,
                    balance=balances[k][members],
                    stage=stages[k][members],
                    modified=modified[members],
                )
            )
    return tuple(exports)


def _week_before(rng, inv, balance, stage, settled, changed, day, open_stages, paid_stage):
    """Balances and stages in the export one week earlier (on `day`): an invoice `settled` that
    week was open (in full, or in part); a `changed` one had less paid or an earlier stage."""
    amount, n = inv["amount"], len(balance)
    bal, stg = balance.copy(), stage.copy()
    bal[settled] = amount[settled]
    part = settled & (rng.random(n) < PARTIAL_SHARE)
    bal[part] = np.clip(np.rint(amount[part] * rng.uniform(0.15, 0.85, part.sum())), 1, amount[part] - 1)
    stg[settled] = stage_for(open_stages, day - inv["due_day"][settled], rng)
    kind = rng.random(n)
    paid_some = (bal < amount) & (bal > 0)
    pays = changed & ~settled & paid_some & (kind < 0.55)
    top_up = np.maximum(1, np.rint((amount - bal) * rng.uniform(0.3, 1.0, n))).astype(np.int64)
    bal[pays] = np.minimum(amount[pays], bal[pays] + top_up[pays])
    moves = changed & ~settled & ~pays & (kind < 0.8) & (stg != paid_stage) & (stg != open_stages[0])
    stg[moves] = open_stages[np.searchsorted(open_stages, stg[moves]) - 1]
    return bal, stg


def legacy_invoices(rng, offices, account_office, n, open_stages) -> dict:
    """Old invoices that predate Salesforce and live only in the tracker: long overdue."""
    office = rng.integers(0, len(offices), n)
    number = np.zeros(n, dtype=np.int64)
    account = np.zeros(n, dtype=np.int64)
    for o in range(len(offices)):
        mask = office == o
        number[mask] = rng.choice(np.arange(10_000, 100_000), mask.sum(), replace=False)
        account[mask] = rng.choice(np.flatnonzero(account_office == o), mask.sum())
    due_day = rng.integers(-HISTORY_DAYS - 200, -HISTORY_DAYS + 30, n)
    return {
        "office": office,
        "number": number,
        "account": account,
        "due_day": due_day,
        "amount": np.rint(rng.lognormal(np.log(4000), 0.9, n) * 100).astype(np.int64) + 5_000,
        "stage": stage_for(open_stages, -due_day, rng),
    }
