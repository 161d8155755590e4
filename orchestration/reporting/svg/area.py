"""The stacked area chart: series stacked over shared x values, for one unit at a time."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orchestration.reporting.svg.axes import scale, value_ticks, x_axis, x_ticks, y_grid
from orchestration.reporting.svg.canvas import Canvas, series_colours
from orchestration.reporting.svg.series import Points, describe_x, points, single_points, summary
from orchestration.reporting.svg.text import ValueFormat, escape, format_value

Band = tuple[str, list[tuple[float, float, float]]]
"""A series' band: its name and, per x, (x, bottom, top) in stacked values."""


def stacked_area_chart(
    series: Points,
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    width: int = 640,
    height: int = 280,
    value_format: ValueFormat = "money",
    description: str | None = None,
    colours: Mapping[str, str] | None = None,
) -> str:
    """Series stacked over shared x values (a missing point counts as 0); negatives stack below 0.

    Meant for one unit at a time (e.g. one currency's aging buckets): never stack different units.
    `colours` fixes a series' colour by name (an aging bucket keeps its colour on every chart).
    With one date there is nothing to trend: each series shows its value instead.
    """
    cleaned, dates = points(series)
    palette = series_colours(list(cleaned), colours)
    xs = sorted({p[0] for rows in cleaned.values() for p in rows})
    if len(xs) == 1:
        return single_points("area", title, description, width, cleaned, value_format, colours)
    canvas = Canvas(
        "area",
        title,
        description or summary("Stacked area chart", cleaned, value_format),
        width,
        height,
        list(cleaned),
        (cleaned, value_format),
        colours=palette,
    )
    if not xs:
        return canvas.empty()
    bands, totals = _stack(cleaned, xs)
    ticks = value_ticks(totals, True, value_format)
    x_low, x_high = (xs[0], xs[-1]) if len(xs) > 1 else (xs[0] - 1, xs[0] + 1)
    x = scale(x_low, x_high, canvas.left + 8, canvas.right - 8)
    y = scale(ticks[0], ticks[-1], canvas.bottom, canvas.top)
    y_grid(canvas, ticks, y, value_format)
    x_axis(canvas, x, x_ticks(x_low, x_high, dates, 6) if len(xs) > 1 else xs, dates)
    raw_x = {p[0]: p[1] for rows in cleaned.values() for p in rows}
    for colour, (name, band) in zip(palette, bands, strict=True):
        _draw_band(canvas, colour, name, band, x, y, describe_x(raw_x[band[-1][0]]), value_format)
    canvas.label_axes(x_label, y_label)
    return canvas.finish()


def _stack(cleaned: Mapping[str, list], xs: list[float]) -> tuple[list[Band], list[float]]:
    """Each series' band, stacked in series order (positive values above 0, negative below), and
    the stacks' totals per x (positive ones, then negative ones) for the value axis."""
    values = {name: {p[0]: p[2] for p in rows} for name, rows in cleaned.items()}
    positive = dict.fromkeys(xs, 0.0)
    negative = dict.fromkeys(xs, 0.0)
    bands: list[Band] = []
    for name in cleaned:
        band = []
        for px in xs:
            value = values[name].get(px, 0.0)
            stack = positive if value >= 0 else negative
            band.append((px, stack[px], stack[px] + value))
            stack[px] += value
        bands.append((name, band))
    return bands, [*positive.values(), *negative.values()]


def _draw_band(
    canvas: Canvas,
    colour: str,
    name: str,
    band: list[tuple[float, float, float]],
    x: Callable[[float], float],
    y: Callable[[float], float],
    latest_day: str,
    value_format: ValueFormat,
) -> None:
    """One band as a polygon whose tooltip gives the series' latest value."""
    upper = " ".join(f"{x(px):.1f},{y(top):.1f}" for px, _, top in band)
    lower = " ".join(f"{x(px):.1f},{y(base):.1f}" for px, base, _ in reversed(band))
    latest = band[-1]
    canvas.parts.append(
        f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.85" stroke="#ffffff" '
        f'stroke-width="0.5"><title>{escape(name)} – latest {escape(latest_day)}: '
        f"{escape(format_value(latest[2] - latest[1], value_format))}</title></polygon>"
    )
