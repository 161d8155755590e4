"""The KPI section: DSO, best possible DSO, ADD and CEI over the trend window for all
collectors of each office, per currency."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from orchestration.reporting import svg
from orchestration.reporting.blocks import (
    Chart,
    Section,
    Table,
    chart_block,
    guarded,
    line_chart,
    money,
    number,
    read_rows,
)
from orchestration.reporting.sections.trend import TREND_DAYS, trend_window

KPI_QUERY = """
select as_of_date, office, currency, dso, best_possible_dso, average_days_delinquent,
    collection_effectiveness_index, share_current, open_ar, is_dso_capped
from marts.collections_kpis
where is_all_collectors and as_of_date between $start and $as_of
order by office, currency, as_of_date
"""


def kpi_section(
    con, as_of: dt.date, trend_days: int = TREND_DAYS, office_names: Mapping[str, str] | None = None
) -> Section:
    section = Section("kpis", "Collections KPIs per office")

    def build(section: Section) -> None:
        rows = read_rows(con, KPI_QUERY, trend_window(as_of, trend_days))
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
            section.charts.append(_office_charts(f"{office}, {currency}", items))

    return guarded(con, section, "collections_kpis", build)


def _office_charts(label: str, items: list[dict]) -> Chart:
    """One office's KPIs in one currency: the day measures, the CEI, and their table (newest first)."""
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
                "–" if r["share_current"] is None else svg.format_value(r["share_current"], "percent"),
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
    return chart_block([days, cei], table)
