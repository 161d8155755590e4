"""The receivables sections of the manager summary: aging trend per currency, collector workload
and collections KPIs per office."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from orchestration.reporting import svg
from orchestration.reporting.blocks import (
    Section,
    Table,
    area_chart,
    bar_chart,
    chart_block,
    guarded,
    line_chart,
    money,
    number,
    read_rows,
)

TREND_DAYS = 90
"""How far back the trend charts reach from the as-of date."""

AGING_QUERY = """
select as_of_date, office, currency, aging_bucket, sum(invoice_count) as invoice_count,
    cast(sum(balance) as decimal(18, 2)) as balance
from marts.ar_aging_daily
where as_of_date between $start and $as_of
group by all
order by office, currency, as_of_date
"""

WORKLOAD_QUERY = """
select collector, currency, open_items, open_balance, past_due_items, past_due_balance,
    updates_last_7_days, updates_last_30_days, applications_last_7_days, applications_last_30_days,
    coverage_gap_accounts, reassignment_hint
from marts.collector_workload
order by collector, currency
"""

KPI_QUERY = """
select as_of_date, office, currency, dso, best_possible_dso, average_days_delinquent,
    collection_effectiveness_index, share_current, open_ar, is_dso_capped
from marts.collections_kpis
where is_all_collectors and as_of_date between $start and $as_of
order by office, currency, as_of_date
"""


def _bucket_key(order: Sequence[str]):
    position = {label: i for i, label in enumerate(order)}
    return lambda label: (position.get(label, len(position)), str(label))


def bucket_colours(order: Sequence[str], seen: Sequence[str]) -> dict[str, str]:
    """One colour per aging bucket for the whole page, by the policy's bucket order (buckets the
    policy does not list follow), so `90+` is the same colour on every chart."""
    ordered = sorted(set(order) | set(seen), key=_bucket_key(order))
    return {label: svg.PALETTE[i % len(svg.PALETTE)] for i, label in enumerate(ordered)}


def aging_section(
    con,
    as_of: dt.date,
    bucket_order: Sequence[str],
    trend_days: int = TREND_DAYS,
    office_names: Mapping[str, str] | None = None,
) -> Section:
    section = Section("aging", "Aging trend by bucket")

    def build(section: Section) -> None:
        rows = read_rows(
            con, AGING_QUERY, {"start": as_of - dt.timedelta(days=trend_days - 1), "as_of": as_of}
        )
        if not rows:
            section.state = "empty"
            return
        section.intro = (
            f"Open balance by aging bucket for each as-of date of the last {trend_days} days, "
            "one chart per office and currency (currencies are never added together); each bucket "
            "has the same colour on every chart."
        )
        by_group: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for row in rows:
            office = row["office"] or "no office"
            by_group[((office_names or {}).get(office, office), row["currency"])].append(row)
        order = _bucket_key(bucket_order)
        colours = bucket_colours(bucket_order, [r["aging_bucket"] for r in rows])
        for (office, currency), items in sorted(by_group.items()):
            label = f"{office}, {currency}"
            buckets = sorted({r["aging_bucket"] for r in items}, key=order)
            series = {
                b: [(r["as_of_date"], r["balance"]) for r in items if r["aging_bucket"] == b] for b in buckets
            }
            cells: dict[dt.date, dict[str, Decimal]] = defaultdict(dict)
            for r in items:
                cells[r["as_of_date"]][r["aging_bucket"]] = r["balance"]
            table = Table(
                f"Open balance by aging bucket, {label}",
                ["As of", *buckets, "Total"],
                [
                    [
                        day.isoformat(),
                        *(money(values.get(b, Decimal(0))) for b in buckets),
                        money(sum(values.values(), Decimal(0))),
                    ]
                    for day, values in sorted(cells.items(), reverse=True)
                ],
                frozenset(range(1, len(buckets) + 2)),
            )
            chart = area_chart(
                series,
                title=f"Aging trend, {label}",
                y_label=f"Open balance ({currency})",
                value_format="money",
                colours=colours,
            )
            section.charts.append(chart_block(chart, table))

    return guarded(con, section, "ar_aging_daily", build)


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
        items: dict[str, list[int]] = {c: [0, 0] for c in collectors}
        activity: dict[str, list[int]] = {c: [0, 0] for c in collectors}
        for r in rows:
            items[r["collector"]][0] += r["past_due_items"]
            items[r["collector"]][1] += r["open_items"] - r["past_due_items"]
            activity[r["collector"]][0] += r["updates_last_7_days"] + r["applications_last_7_days"]
            activity[r["collector"]][1] += r["updates_last_30_days"] + r["applications_last_30_days"]
        section.charts.append(
            chart_block(
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
                    [
                        [c, number(items[c][0]), number(items[c][1]), number(sum(items[c]))]
                        for c in collectors
                    ],
                    frozenset({1, 2, 3}),
                ),
            )
        )
        for currency in sorted({r["currency"] for r in rows}):
            mine = [r for r in rows if r["currency"] == currency]
            names = [r["collector"] for r in mine]
            section.charts.append(
                chart_block(
                    bar_chart(
                        names,
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
                        [
                            [r["collector"], money(r["past_due_balance"]), money(r["open_balance"])]
                            for r in mine
                        ],
                        frozenset({1, 2}),
                    ),
                )
            )
        section.charts.append(
            chart_block(
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
        )
        section.tables.append(
            Table(
                "Workload per collector and currency",
                [
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
                ],
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
        )
        hints = sorted({(r["collector"], r["reassignment_hint"]) for r in rows if r["reassignment_hint"]})
        section.notes.extend(f"{collector}: {hint}" for collector, hint in hints)
        gaps = sum(r["coverage_gap_accounts"] for r in rows)
        section.notes.append(f"{gaps} past-due account{'' if gaps == 1 else 's'} without a recent touch.")

    return guarded(con, section, "collector_workload", build)


def kpi_section(
    con, as_of: dt.date, trend_days: int = TREND_DAYS, office_names: Mapping[str, str] | None = None
) -> Section:
    section = Section("kpis", "Collections KPIs per office")

    def build(section: Section) -> None:
        rows = read_rows(con, KPI_QUERY, {"start": as_of - dt.timedelta(days=trend_days - 1), "as_of": as_of})
        if not rows:
            section.state = "empty"
            return
        section.intro = (
            "DSO (countback), best possible DSO, average days delinquent (ADD) and the collection "
            "effectiveness index (CEI) for all collectors of each office, per currency."
        )
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in rows:
            groups[((office_names or {}).get(r["office"], r["office"]), r["currency"])].append(r)
        for (office, currency), items in sorted(groups.items()):
            label = f"{office}, {currency}"
            table = Table(
                f"KPIs, {label}",
                ["As of", "DSO", "Best possible DSO", "ADD", "CEI %", "Share current", "Open AR"],
                [
                    [
                        r["as_of_date"].isoformat(),
                        number(r["dso"]) + (" (capped)" if r["is_dso_capped"] else ""),
                        number(r["best_possible_dso"]),
                        number(r["average_days_delinquent"]),
                        number(r["collection_effectiveness_index"]),
                        "–"
                        if r["share_current"] is None
                        else svg.format_value(r["share_current"], "percent"),
                        money(r["open_ar"]),
                    ]
                    for r in reversed(items)
                ],
                frozenset(range(1, 7)),
            )
            days = line_chart(
                {
                    "DSO": [(r["as_of_date"], r["dso"]) for r in items],
                    "Best possible DSO": [(r["as_of_date"], r["best_possible_dso"]) for r in items],
                    "ADD": [(r["as_of_date"], r["average_days_delinquent"]) for r in items],
                },
                title=f"DSO, best possible DSO and ADD, {label}",
                y_label="Days",
                value_format="days",
            )
            cei = line_chart(
                {"CEI": [(r["as_of_date"], r["collection_effectiveness_index"]) for r in items]},
                title=f"Collection effectiveness index, {label}",
                y_label="CEI (%)",
            )
            section.charts.append(chart_block([days, cei], table))

    return guarded(con, section, "collections_kpis", build)
