"""The manager's workload page as a manager reads it: one row per collector (balances per currency
inside it, never added across currencies), the unassigned invoices apart, and whether load is
even by the rule the pipeline applies (published with the workload), stated on the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.store.team import StaffMember, WorkloadRow

UNASSIGNED = "unassigned"
NO_CURRENCY = "no currency"


@dataclass(frozen=True)
class Balance:
    currency: str
    open_balance: Decimal
    past_due_balance: Decimal


@dataclass(frozen=True)
class CollectorLoad:
    """One collector (or the unassigned invoices) across currencies."""

    collector: str
    office: str | None
    open_items: int
    past_due_items: int
    balances: tuple[Balance, ...]
    activity_7_days: int
    activity_30_days: int
    coverage_gaps: int
    hint: str | None
    load: str
    """'above', 'below' or 'within' the rule's range; 'unknown' when no rule was published."""


@dataclass(frozen=True)
class LoadRule:
    """Load is even when every collector holds between `low` and `high` open items."""

    mean: Decimal
    ratio: Decimal

    @property
    def low(self) -> Decimal:
        return (self.mean / self.ratio).quantize(Decimal("0.1"))

    @property
    def high(self) -> Decimal:
        return (self.mean * self.ratio).quantize(Decimal("0.1"))

    def judge(self, open_items: int) -> str:
        if open_items > self.mean * self.ratio:
            return "above"
        if open_items < self.mean / self.ratio:
            return "below"
        return "within"


@dataclass(frozen=True)
class TeamView:
    collectors: tuple[CollectorLoad, ...]
    unassigned: CollectorLoad | None
    rule: LoadRule | None
    as_of: dt.date | None
    published: bool
    """Any workload row was published (the first run has not happened otherwise)."""

    @property
    def even(self) -> bool:
        """True only when a rule was published and every collector is within it."""
        return self.rule is not None and all(c.load == "within" for c in self.collectors)

    @property
    def uneven(self) -> tuple[CollectorLoad, ...]:
        return tuple(c for c in self.collectors if c.load in ("above", "below"))


def _collector_load(name: str, rows: Sequence[WorkloadRow], office: str | None, rule: LoadRule | None):
    open_items = sum(r.open_items for r in rows)
    return CollectorLoad(
        collector=name,
        office=office,
        open_items=open_items,
        past_due_items=sum(r.past_due_items for r in rows),
        balances=tuple(
            Balance(r.currency or NO_CURRENCY, r.open_balance, r.past_due_balance)
            for r in sorted(rows, key=lambda r: r.currency or "~")
            if r.open_items or r.open_balance
        ),
        activity_7_days=sum(r.updates_last_7_days + r.applications_last_7_days for r in rows),
        activity_30_days=sum(r.updates_last_30_days + r.applications_last_30_days for r in rows),
        coverage_gaps=sum(r.coverage_gap_accounts for r in rows),
        hint=next((r.reassignment_hint for r in rows if r.reassignment_hint), None),
        load="unknown" if rule is None or name == UNASSIGNED else rule.judge(open_items),
    )


def team_view(rows: Iterable[WorkloadRow], roster: Iterable[StaffMember] = ()) -> TeamView:
    """Group the published rows by collector; a roster collector (of the manager's scope) with no
    row holds nothing, which the rule counts as below the range."""
    by_collector: dict[str, list[WorkloadRow]] = {}
    for row in rows:
        by_collector.setdefault(row.collector, []).append(row)
    published = next((r for group in by_collector.values() for r in group if r.team_mean_open_items), None)
    rule = (
        LoadRule(published.team_mean_open_items, published.load_ratio)
        if published is not None and published.load_ratio
        else None
    )
    loads = [
        _collector_load(name, group, group[0].collector_office, rule)
        for name, group in sorted(by_collector.items())
        if name != UNASSIGNED
    ]
    for member in roster:
        if member.name not in by_collector:
            loads.append(_collector_load(member.name, [], member.office, rule))
    unassigned = by_collector.get(UNASSIGNED)
    unassigned_load = _collector_load(UNASSIGNED, unassigned, None, None) if unassigned else None
    as_of = next((r.as_of_date for group in by_collector.values() for r in group if r.as_of_date), None)
    return TeamView(
        collectors=tuple(sorted(loads, key=lambda c: c.collector)),
        unassigned=unassigned_load if unassigned_load and unassigned_load.open_items else None,
        rule=rule,
        as_of=as_of,
        published=bool(by_collector),
    )
