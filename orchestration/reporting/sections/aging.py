"""The aging section: open balance by aging bucket over the trend window, one chart per office
and currency, each bucket with the same colour on every chart."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from orchestration.reporting import svg
from orchestration.reporting.blocks import (
    Chart,
    Section,
    Table,
    area_chart,
    chart_block,
    guarded,
    money,
    read_rows,
)
from orchestration.reporting.sections.trend import TREND_DAYS, trend_window

AGING_QUERY = """
select as_of_date, office, currency, aging_bucket, sum(invoice_count) as invoice_count,
    cast(sum(balance) as decimal(18, 2)) as balance
from marts.ar_aging_daily
where as_of_date between $start and $as_of
group by all
order by office, currency, as_of_date
"""


def _bucket_key(order: Sequence[str]) -> Callable[[str], tuple[int, str]]:
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
        rows = read_rows(con, AGING_QUERY, trend_window(as_of, trend_days))
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
            buckets = sorted({r["aging_bucket"] for r in items}, key=order)
            section.charts.append(_group_chart(office, currency, items, buckets, colours))

    return guarded(con, section, "ar_aging_daily", build)


def _group_chart(
    office: str, currency: str, items: list[dict], buckets: list[str], colours: Mapping[str, str]
) -> Chart:
    """One office's aging trend in one currency, with its balances per day (newest first)."""
    label = f"{office}, {currency}"
    series = {b: [(r["as_of_date"], r["balance"]) for r in items if r["aging_bucket"] == b] for b in buckets}
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
    return chart_block(chart, table)
