"""The workload section: open items, balances (per currency) and activity per collector, the
past-due accounts nobody touched lately, and reassignment hints."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.reporting.blocks import (
    Chart,
    Section,
    Table,
    bar_chart,
    chart_block,
    guarded,
    money,
    number,
    read_rows,
)

WORKLOAD_QUERY = """
select collector, currency, open_items, open_balance, past_due_items, past_due_balance,
    updates_last_7_days, updates_last_30_days, applications_last_7_days, applications_last_30_days,
    coverage_gap_accounts, reassignment_hint
from marts.collector_workload
order by collector, currency
"""

WORKLOAD_HEADERS = (
    "Collector",
    "Currency",
    "Open items",
    "Open balance",
    "Past-due items",
    "Past-due balance",
    "Updates 7 d",
    "Updates 30 d",
    "Payments applied 7 d",
    "Payments applied 30 d",
    "Coverage gaps (accounts)",
    "Reassignment hint",
)


def workload_section(con) -> Section:
    section = Section("workload", "Workload per collector")

    def build(section: Section) -> None:
        rows = read_rows(con, WORKLOAD_QUERY)
        if not rows:
            section.state = "empty"
            return
        section.intro = (
            "Open items and balances per collector (balances per currency), activity in the last 7 and 30 "
            "days, past-due accounts nobody touched lately (coverage gaps) and reassignment hints."
        )
        collectors = sorted({r["collector"] for r in rows})
        section.charts.append(_items_chart(rows, collectors))
        currencies = sorted({r["currency"] for r in rows})
        section.charts.extend(_balance_chart(rows, currency) for currency in currencies)
        section.charts.append(_activity_chart(rows, collectors))
        section.tables.append(_workload_table(rows))
        hints = sorted({(r["collector"], r["reassignment_hint"]) for r in rows if r["reassignment_hint"]})
        section.notes.extend(f"{collector}: {hint}" for collector, hint in hints)
        gaps = sum(r["coverage_gap_accounts"] for r in rows)
        section.notes.append(f"{gaps} past-due account{'' if gaps == 1 else 's'} without a recent touch.")

    return guarded(con, section, "collector_workload", build)


def _per_collector(
    rows: list[dict], collectors: list[str], recent: Callable[[dict], int], earlier: Callable[[dict], int]
) -> dict[str, list[int]]:
    """Per collector, two counts summed over its currencies: `recent(row)` and `earlier(row)`."""
    totals: dict[str, list[int]] = {c: [0, 0] for c in collectors}
    for r in rows:
        totals[r["collector"]][0] += recent(r)
        totals[r["collector"]][1] += earlier(r)
    return totals


def _items_chart(rows: list[dict], collectors: list[str]) -> Chart:
    """Open items per collector, past due and not yet due (items are counted across currencies)."""
    items = _per_collector(
        rows, collectors, lambda r: r["past_due_items"], lambda r: r["open_items"] - r["past_due_items"]
    )
    return chart_block(
        bar_chart(
            collectors,
            {
                "Past due": [items[c][0] for c in collectors],
                "Not yet due": [items[c][1] for c in collectors],
            },
            title="Open items per collector (all offices and currencies)",
            value_format="count",
            stacked=True,
            horizontal=True,
        ),
        Table(
            "Open items per collector (all currencies)",
            ["Collector", "Past due", "Not yet due", "Open"],
            [[c, number(items[c][0]), number(items[c][1]), number(sum(items[c]))] for c in collectors],
            frozenset({1, 2, 3}),
        ),
    )


def _balance_chart(rows: list[dict], currency: str) -> Chart:
    """Open balance per collector in one currency, past due and not yet due."""
    mine = [r for r in rows if r["currency"] == currency]
    return chart_block(
        bar_chart(
            [r["collector"] for r in mine],
            {
                "Past due": [r["past_due_balance"] for r in mine],
                "Not yet due": [r["open_balance"] - r["past_due_balance"] for r in mine],
            },
            title=f"Open balance per collector, {currency} (all offices)",
            stacked=True,
            horizontal=True,
            value_format="money",
        ),
        Table(
            f"Open balance per collector, {currency}",
            ["Collector", "Past due", "Open balance"],
            [[r["collector"], money(r["past_due_balance"]), money(r["open_balance"])] for r in mine],
            frozenset({1, 2}),
        ),
    )


def _activity_chart(rows: list[dict], collectors: list[str]) -> Chart:
    """Updates and payments applied per collector in the last 7 and the last 30 days."""
    activity = _per_collector(
        rows,
        collectors,
        lambda r: r["updates_last_7_days"] + r["applications_last_7_days"],
        lambda r: r["updates_last_30_days"] + r["applications_last_30_days"],
    )
    return chart_block(
        bar_chart(
            collectors,
            {
                "Last 7 days": [activity[c][0] for c in collectors],
                "Last 30 days": [activity[c][1] for c in collectors],
            },
            title="Activity per collector, all offices (updates and payments applied)",
            value_format="count",
            horizontal=True,
        ),
        Table(
            "Activity per collector",
            ["Collector", "Last 7 days", "Last 30 days"],
            [[c, number(activity[c][0]), number(activity[c][1])] for c in collectors],
            frozenset({1, 2}),
        ),
    )


def _workload_table(rows: list[dict]) -> Table:
    """Every figure of the mart, one row per collector and currency."""
    return Table(
        "Workload per collector and currency",
        list(WORKLOAD_HEADERS),
        [
            [
                r["collector"],
                r["currency"],
                number(r["open_items"]),
                money(r["open_balance"]),
                number(r["past_due_items"]),
                money(r["past_due_balance"]),
                number(r["updates_last_7_days"]),
                number(r["updates_last_30_days"]),
                number(r["applications_last_7_days"]),
                number(r["applications_last_30_days"]),
                number(r["coverage_gap_accounts"]),
                r["reassignment_hint"] or "",
            ]
            for r in rows
        ],
        frozenset(range(2, 11)),
    )
