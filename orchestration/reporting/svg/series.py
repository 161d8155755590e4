"""Series of (x, value) points as the line and area charts read them: cleaned and sorted with x
as a number, the summary a screen reader hears, and what a chart of a single date shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from orchestration.reporting.svg.axes import x_number
from orchestration.reporting.svg.canvas import CHAR_WIDTH, Canvas, series_colours, values_panel
from orchestration.reporting.svg.text import ValueFormat, escape, format_compact, format_value

Points = Mapping[str, Sequence[tuple[object, float]]]
"""What a caller passes: per series name, its (x, value) points; x a date or a number."""


def points(series: Points) -> tuple[dict[str, list], bool]:
    """Per series, its points as (x as a number, x as given, value) sorted by x, without the
    points that have no value; and whether x holds dates."""
    cleaned: dict[str, list[tuple[float, object, float]]] = {}
    dates = False
    for name, pairs in series.items():
        rows = []
        for x, value in pairs:
            if value is None:
                continue
            dates = dates or isinstance(x, dt.date)
            rows.append((x_number(x), x, float(value)))
        cleaned[str(name)] = sorted(rows, key=lambda row: row[0])
    return cleaned, dates


def describe_x(raw: object) -> str:
    """An x value as a tooltip says it: an ISO date or a compact number."""
    return raw.isoformat() if isinstance(raw, dt.date) else format_compact(float(raw))  # type: ignore[arg-type]


def summary(kind: str, cleaned: Mapping[str, list], value_format: str) -> str:
    """The chart's `<desc>`: its series, the x range and the value range."""
    found = [p for rows in cleaned.values() for p in rows]
    if not found:
        return f"{kind}: no data."
    first = min(found, key=lambda p: p[0])[1]
    last = max(found, key=lambda p: p[0])[1]
    low = min(p[2] for p in found)
    high = max(p[2] for p in found)
    names = ", ".join(cleaned)
    span = describe_x(first) if first == last else f"{describe_x(first)} to {describe_x(last)}"
    return (
        f"{kind} of {len(cleaned)} series ({names}) from {span}; values range from "
        f"{format_value(low, value_format)} to {format_value(high, value_format)}."
    )


def single_points(
    kind: str,
    title: str,
    description: str | None,
    width: int,
    cleaned: Mapping[str, list],
    value_format: ValueFormat,
    colours: Mapping[str, str] | None,
) -> str:
    """A chart whose series have one point each: the values, each with its series' colour."""
    names = [name for name, rows in cleaned.items() if rows]
    palette = series_colours(list(cleaned), colours)
    colour_of = dict(zip(cleaned, palette, strict=True))
    day = describe_x(next(rows[0][1] for rows in cleaned.values() if rows))
    items = [(name, colour_of[name], format_value(cleaned[name][0][2], value_format)) for name in names]
    note = f"One date so far ({day}): no trend yet."
    longest = max([len(title) * 1.3, len(note), *(len(f"{n}: {t}") + 4 for n, _, t in items)])
    canvas = Canvas(
        kind,
        title,
        description or summary("Values", cleaned, value_format),
        min(width, max(240, int(16 + CHAR_WIDTH * longest))),  # no more room than its words need
        30 + 8 + 24 * (len(names) + 1) + 8,
        [],
        (kind, cleaned, value_format),
    )
    canvas.parts.append(f'<text x="8" y="{canvas.top + 2}" fill="#333333">{escape(note)}</text>')
    canvas.top += 12
    return values_panel(canvas, items)
