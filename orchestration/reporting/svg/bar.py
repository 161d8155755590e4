"""The bar chart: bars per category, one colour per series, grouped or stacked, upright or lying."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from orchestration.reporting.svg.axes import scale, v_grid, value_ticks, y_grid
from orchestration.reporting.svg.canvas import CHAR_WIDTH, PALETTE, Canvas
from orchestration.reporting.svg.text import ValueFormat, escape, format_value, truncate

Data = dict[str, list[float | None]]
"""Per series name, one value (or none) per category."""


def bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    stacked: bool = False,
    horizontal: bool = False,
    x_label: str = "",
    y_label: str = "",
    width: int = 640,
    height: int | None = None,
    value_format: ValueFormat = "number",
    description: str | None = None,
) -> str:
    """Bars per category, one colour per series, grouped side by side or stacked (negatives below 0).

    Horizontal bars suit long category names (collectors, accounts); the height grows with them.
    """
    names = [str(c) for c in categories]
    data = _series(names, series)
    if height is None:
        per_category = 14 if stacked else 8 + 10 * max(len(data), 1)
        height = max(160, 90 + len(names) * per_category) if horizontal else 280
    label_chars = min(max((len(n) for n in names), default=4), 24)
    canvas = Canvas(
        "bar",
        title,
        description or _summary(names, data, value_format, stacked),
        width,
        height,
        list(data),
        (names, data, stacked, horizontal, value_format),
        left=int(12 + CHAR_WIDTH * label_chars) if horizontal else 64,
        markers="bar",
    )
    values = [v for vals in data.values() for v in vals if v is not None]
    if not names or not data or not values:
        return canvas.empty()
    ticks = value_ticks(_stack_totals(names, data) if stacked else values, True, value_format)
    _draw_bars(canvas, names, data, ticks, stacked, horizontal, value_format)
    canvas.label_axes(x_label, y_label)
    return canvas.finish()


def _series(names: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> Data:
    """The series as floats, each checked to hold one value per category."""
    data = {str(k): [None if v is None else float(v) for v in vals] for k, vals in series.items()}
    for key, vals in data.items():
        if len(vals) != len(names):
            raise ValueError(f"series {key!r} has {len(vals)} values for {len(names)} categories")
    return data


def _stack_totals(names: Sequence[str], data: Data) -> list[float]:
    """Per category, the height of its positive stack and the depth of its negative one."""
    totals = []
    for i in range(len(names)):
        column = [vals[i] or 0.0 for vals in data.values()]
        totals += [sum(v for v in column if v > 0), sum(v for v in column if v < 0)]
    return totals


def _draw_bars(
    canvas: Canvas,
    names: Sequence[str],
    data: Data,
    ticks: list[float],
    stacked: bool,
    horizontal: bool,
    value_format: ValueFormat,
) -> None:
    """The value grid, then per category its label and its bars, each with its value as tooltip."""
    slot_start, slot_end = (canvas.top, canvas.bottom) if horizontal else (canvas.left, canvas.right)
    slot = (slot_end - slot_start) / len(names)
    bar = max(min(slot * 0.8 / (1 if stacked else len(data)), 48), 1.0)
    if horizontal:
        value_axis = scale(ticks[0], ticks[-1], canvas.left, canvas.right)
        v_grid(canvas, ticks, value_axis, value_format)
    else:
        value_axis = scale(ticks[0], ticks[-1], canvas.bottom, canvas.top)
        y_grid(canvas, ticks, value_axis, value_format)
    for i, category in enumerate(names):
        centre = slot_start + slot * (i + 0.5)
        _category_label(canvas, category, centre, slot, horizontal)
        for index, name, value, start, end, offset in _spans(data, i, value_axis, centre, bar, stacked):
            shown = format_value(value, value_format)
            tooltip = f"{name} – {category}: {shown}" if len(data) > 1 else f"{category}: {shown}"
            colour = PALETTE[index % len(PALETTE)]
            low, length = min(start, end), abs(end - start)
            if horizontal:
                canvas.parts.append(_bar_rect(low, offset, length, bar * 0.92, colour, tooltip))
            else:
                canvas.parts.append(_bar_rect(offset, low, bar * 0.92, length, colour, tooltip))


def _spans(
    data: Data, i: int, value_axis: Callable[[float], float], centre: float, bar: float, stacked: bool
) -> Iterator[tuple[int, str, float, float, float, float]]:
    """Each series' bar in category `i`: (series index, name, value, start and end along the
    value axis, offset across it). Stacked bars grow from the stack so far, on their sign's side."""
    groups = 1 if stacked else len(data)
    zero = value_axis(0.0)
    positive_base = negative_base = 0.0
    for index, (name, vals) in enumerate(data.items()):
        value = vals[i]
        if value is None:
            continue
        if stacked:
            base = positive_base if value >= 0 else negative_base
            start, end = value_axis(base), value_axis(base + value)
            if value >= 0:
                positive_base += value
            else:
                negative_base += value
            offset = centre - bar / 2
        else:
            start, end = zero, value_axis(value)
            offset = centre - bar * groups / 2 + bar * index
        yield index, name, value, start, end, offset


def _bar_rect(x: float, y: float, w: float, h: float, colour: str, tooltip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0.5):.1f}" fill="{colour}">'
        f"<title>{escape(tooltip)}</title></rect>"
    )


def _category_label(canvas: Canvas, category: str, centre: float, slot: float, horizontal: bool) -> None:
    if horizontal:
        label = truncate(category, 24)
        canvas.parts.append(
            f'<text x="{canvas.left - 6}" y="{centre + 4:.1f}" text-anchor="end" fill="#1a1a1a">'
            f"{escape(label)}<title>{escape(category)}</title></text>"
        )
        return
    label = truncate(category, max(int(slot / CHAR_WIDTH), 3))
    canvas.parts.append(
        f'<text x="{centre:.1f}" y="{canvas.bottom + 16}" text-anchor="middle" fill="#1a1a1a">'
        f"{escape(label)}<title>{escape(category)}</title></text>"
    )


def _summary(names: Sequence[str], data: Mapping[str, list], value_format: str, stacked: bool) -> str:
    values = [v for vals in data.values() for v in vals if v is not None]
    if not names or not values:
        return "Bar chart: no data."
    kind = "Stacked bar chart" if stacked else "Bar chart"
    return (
        f"{kind} of {', '.join(data)} for {len(names)} categories; values range from "
        f"{format_value(min(values), value_format)} to {format_value(max(values), value_format)}."
    )
