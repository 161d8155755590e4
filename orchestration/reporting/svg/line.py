"""The line chart: one line per series over dates or numbers."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.reporting.svg.axes import scale, value_ticks, x_axis, x_ticks, y_grid
from orchestration.reporting.svg.canvas import DASHES, PALETTE, Canvas
from orchestration.reporting.svg.series import Points, describe_x, points, single_points, summary
from orchestration.reporting.svg.text import ValueFormat, escape, format_value


def line_chart(
    series: Points,
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    width: int = 640,
    height: int = 280,
    value_format: ValueFormat = "number",
    include_zero: bool = True,
    description: str | None = None,
) -> str:
    """One line per series over dates or numbers. When no series has two points there is no line
    to draw: each series shows its value instead."""
    cleaned, dates = points(series)
    all_points = [p for rows in cleaned.values() for p in rows]
    if all_points and all(len(rows) <= 1 for rows in cleaned.values()):
        return single_points("line", title, description, width, cleaned, value_format, None)
    canvas = Canvas(
        "line",
        title,
        description or summary("Line chart", cleaned, value_format),
        width,
        height,
        list(cleaned),
        (cleaned, value_format),
        markers="line",
    )
    if not all_points:
        return canvas.empty()
    xs = [p[0] for p in all_points]
    x_low, x_high = min(xs), max(xs)
    ticks_x = x_ticks(x_low, x_high, dates, 6) if x_low < x_high else [x_low]
    if x_low == x_high:
        x_low, x_high = x_low - 1, x_high + 1
    ticks = value_ticks([p[2] for p in all_points], include_zero, value_format)
    x = scale(x_low, x_high, canvas.left + 8, canvas.right - 8)
    y = scale(ticks[0], ticks[-1], canvas.bottom, canvas.top)
    y_grid(canvas, ticks, y, value_format)
    x_axis(canvas, x, ticks_x, dates)
    for index, (name, rows) in enumerate(cleaned.items()):
        _draw_line(canvas, index, name, rows, x, y, value_format)
    canvas.label_axes(x_label, y_label)
    return canvas.finish()


def _draw_line(
    canvas: Canvas,
    index: int,
    name: str,
    rows: list,
    x: Callable[[float], float],
    y: Callable[[float], float],
    value_format: ValueFormat,
) -> None:
    """One series: its line (colour and dash by position) and a dot per point with its value as
    tooltip, unless the points are too many to tell apart."""
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if len(rows) > 1:
        path = " ".join(f"{x(px):.1f},{y(pv):.1f}" for px, _, pv in rows)
        canvas.parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
    radius = 3.5 if len(rows) <= 40 else 0
    for px, raw, pv in rows:
        if radius or len(rows) == 1:
            canvas.parts.append(
                f'<circle cx="{x(px):.1f}" cy="{y(pv):.1f}" r="{radius or 3.5}" fill="{colour}">'
                f"<title>{escape(name)} – {escape(describe_x(raw))}: "
                f"{escape(format_value(pv, value_format))}</title></circle>"
            )
