"""The building blocks of report pages: data tables, charts with their tables, sections that
know whether their mart exists, and the reading and formatting helpers they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import duckdb
from markupsafe import Markup

from orchestration.reporting import svg

CHART_WIDTH = 520
"""Charts narrower than svg's default (640) keep their text readable when a phone scales them down."""

area_chart = partial(svg.stacked_area_chart, width=CHART_WIDTH)
bar_chart = partial(svg.bar_chart, width=CHART_WIDTH)
line_chart = partial(svg.line_chart, width=CHART_WIDTH)


@dataclass(frozen=True)
class Table:
    """A data table as shown on the page: headers, formatted cells, which columns are numbers."""

    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Chart:
    """SVG charts (usually one) and the table holding the same numbers."""

    svgs: tuple[Markup, ...]
    table: Table


@dataclass
class Section:
    """One part of the page; `state` is 'ready', 'empty' (table exists, no rows) or 'missing'."""

    key: str
    title: str
    state: str = "ready"
    problem: str = ""
    intro: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


NO_CURRENCY = "no currency"
"""How the page labels amounts whose source names no currency (legacy tracker-only invoices):
their own group, never added to another currency's."""


def read_rows(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> list[dict]:
    """The query's rows as dicts keyed by column name; a missing currency gets its own label."""
    cursor = con.execute(query, params or {})
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if "currency" in names:
        for row in rows:
            row["currency"] = row["currency"] or NO_CURRENCY
    return rows


def money(value) -> str:
    """1,234.50; blank for no amount."""
    return "" if value is None else svg.format_money(value)


def number(value, digits: int = 2) -> str:
    """Counts with separators, other numbers with `digits` decimals; a dash for none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{Decimal(str(value)):,.{digits}f}"


def chart_block(markup: str | Sequence[str], table: Table) -> Chart:
    """One or more charts from `svg` with the table of their numbers."""
    charts = [markup] if isinstance(markup, str) else markup
    return Chart(tuple(Markup(chart) for chart in charts), table)  # svg escapes every text it writes


def guarded(con, section: Section, table: str, build) -> Section:
    """Run `build(section)` unless marts.`table` does not exist; a table that cannot be read
    (columns not as the contract says) leaves the section saying why instead of failing the page."""
    if not table_exists(con, "marts", table):
        section.state = "missing"
        section.problem = (
            f"marts.{table} does not exist in this warehouse yet, so this section is not available."
        )
        return section
    try:
        build(section)
    except duckdb.Error as error:
        section.state = "missing"
        section.problem = f"marts.{table} could not be read: {error}"
    return section
