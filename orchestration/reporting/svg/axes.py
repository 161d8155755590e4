"""Where values land on a chart: linear scales, round ticks for values, calendar ticks for dates,
and the grid lines and tick labels drawn from them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from orchestration.reporting.svg.canvas import CHAR_WIDTH, Canvas
from orchestration.reporting.svg.text import axis_label, escape, format_compact


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [low, high]; whole
    numbers only when `integer` (counts)."""
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if low > high:
        low, high = high, low
    if low == high == 0:
        high = 1.0
    elif low == high:
        pad = abs(low) * 0.1
        low, high = low - pad, high + pad
    raw = (high - low) / max(count, 1)
    if integer:
        raw = max(raw, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    steps = [m * power for m in (1, 2, 2.5, 5, 10)]
    if integer:
        steps = [step for step in steps if float(step).is_integer()]
    step = next(step for step in steps if step >= raw * (1 - 1e-9))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = int(round((last - first) / step))
    return [_clean(float(first + i * step)) for i in range(n + 1)]


def _clean(value: float) -> float:
    rounded = round(value, 10)
    return 0.0 if rounded == 0 else rounded


def value_ticks(values: Sequence[float], include_zero: bool, value_format: str) -> list[float]:
    """Round ticks covering the finite values (and 0 when `include_zero`)."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    return nice_ticks(low, high, 5, integer=value_format == "count")


def x_number(x: object) -> float:
    """An x value as a number: dates as day ordinals, date-times as fractional days."""
    if isinstance(x, dt.datetime):
        return x.timestamp() / 86400
    if isinstance(x, dt.date):
        return float(x.toordinal())
    return float(x)  # type: ignore[arg-type]


def _x_label(x: float, dates: bool) -> str:
    if dates:
        return dt.date.fromordinal(int(round(x))).isoformat()
    return format_compact(x)


def x_ticks(low: float, high: float, dates: bool, count: int) -> list[float]:
    """About `count` ticks over [low, high]: round numbers, or days, Mondays or month starts."""
    if not dates:
        return [t for t in nice_ticks(low, high, count) if low - 1e-9 <= t <= high + 1e-9] or [low]
    span = high - low
    step = next((s for s in (1, 2, 7, 14, 28, 61, 91, 182, 365, 730) if span / s <= count), 1461)
    if step >= 28:  # months and years: ticks on the first of a month
        months = max(1, round(step / 30.4))
        start = dt.date.fromordinal(int(low))
        month = dt.date(start.year, start.month, 1)
        ticks = []
        while month.toordinal() <= high:
            if month.toordinal() >= low:
                ticks.append(float(month.toordinal()))
            total = month.month - 1 + months
            month = dt.date(month.year + total // 12, total % 12 + 1, 1)
        return ticks or [low]
    if step == 7:  # weeks: ticks on Mondays
        first = low + (-dt.date.fromordinal(int(low)).weekday()) % 7
        return [first + i * 7 for i in range(int((high - first) // 7) + 1)] or [low]
    return [low + i * step for i in range(int(span // step) + 1)]


def scale(low: float, high: float, start: float, end: float) -> Callable[[float], float]:
    """The linear map of [low, high] onto [start, end] (pixels)."""
    span = (high - low) or 1.0
    return lambda v: start + (v - low) / span * (end - start)


def y_grid(canvas: Canvas, ticks: Sequence[float], y: Callable[[float], float], value_format: str) -> None:
    """Horizontal grid lines with their value labels left of the plot (0 drawn darker)."""
    for tick in ticks:
        ty = y(tick)
        stroke = "#888888" if tick == 0 else "#e3e3e3"
        canvas.parts.append(
            f'<line x1="{canvas.left}" y1="{ty:.1f}" x2="{canvas.right}" y2="{ty:.1f}" stroke="{stroke}"/>'
        )
        canvas.parts.append(
            f'<text class="value-tick" x="{canvas.left - 6}" y="{ty + 4:.1f}" text-anchor="end" '
            f'fill="#333333">'
            f"{escape(axis_label(tick, value_format))}</text>"
        )


def v_grid(canvas: Canvas, ticks: Sequence[float], x: Callable[[float], float], value_format: str) -> None:
    """Vertical grid lines with their value labels below the plot (horizontal bars)."""
    for tick in ticks:
        tx = x(tick)
        stroke = "#888888" if tick == 0 else "#e3e3e3"
        canvas.parts.append(
            f'<line x1="{tx:.1f}" y1="{canvas.top}" x2="{tx:.1f}" y2="{canvas.bottom}" stroke="{stroke}"/>'
        )
        canvas.parts.append(
            f'<text class="value-tick" x="{tx:.1f}" y="{canvas.bottom + 16}" text-anchor="middle" '
            f'fill="#333333">'
            f"{escape(axis_label(tick, value_format))}</text>"
        )


def x_axis(canvas: Canvas, x: Callable[[float], float], ticks: Sequence[float], dates: bool) -> None:
    """The x axis line with its ticks; a label near an edge is anchored so it stays inside."""
    canvas.parts.append(
        f'<line x1="{canvas.left}" y1="{canvas.bottom}" x2="{canvas.right}" y2="{canvas.bottom}" '
        f'stroke="#888888"/>'
    )
    for tick in ticks:
        tx = x(tick)
        canvas.parts.append(
            f'<line x1="{tx:.1f}" y1="{canvas.bottom}" x2="{tx:.1f}" y2="{canvas.bottom + 4}" '
            f'stroke="#888888"/>'
        )
        label = _x_label(tick, dates)
        half = CHAR_WIDTH / 2 * len(label)
        anchor = "end" if tx + half > canvas.width - 2 else "start" if tx - half < 2 else "middle"
        canvas.parts.append(
            f'<text class="x-tick" x="{tx:.1f}" y="{canvas.bottom + 16}" text-anchor="{anchor}" '
            f'fill="#333333">'
            f"{escape(label)}</text>"
        )
