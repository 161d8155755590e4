"""Charts as plain SVG strings: line, bar (grouped, stacked, horizontal) and stacked area.

Pure functions with no dependencies, so any page or email can embed a chart without JavaScript:
every chart is an `<svg role="img">` with a `<title>` and a `<desc>` summarising the data, each
mark carries its exact value in a `<title>` (the browser's tooltip), axis ticks fall on round
numbers, and every piece of text is XML-escaped. The colours are the Okabe-Ito palette (safe for
the common colour-vision deficiencies) and lines also differ by dash pattern, so a chart still
reads when printed in grey. Pages should place the same numbers in a table beside each chart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999999")
"""Okabe-Ito colours, darkest first; yellow is left out (unreadable on white paper)."""

DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")

CHAR_WIDTH = 7.0
"""Average width of a character at the charts' 12px font, for laying out labels."""

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

ValueFormat = str
"""'number' | 'count' (whole-number ticks) | 'money' | 'percent' (fractions: 0.25 shows as 25%) | 'days'."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def escape(text: object) -> str:
    """Text safe inside an SVG/HTML element or a quoted attribute; drops characters XML forbids."""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


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


def format_money(value: float | Decimal) -> str:
    """Full amount with thousands separators and cents: -1,234.50."""
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"


def format_compact(value: float) -> str:
    """Short axis label for an amount: 950, 12.5k, 3M, -1.2B."""
    value = float(value)
    magnitude = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.2f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def format_value(value: float | Decimal | None, value_format: ValueFormat = "number") -> str:
    """A value as shown in tooltips and tables."""
    if value is None:
        return "–"
    if value_format == "money":
        return format_money(value)
    if value_format == "percent":
        return f"{float(value) * 100:.1f}%"
    if value_format == "days":
        return f"{float(value):,.1f} d"
    number = float(value)
    return f"{int(number):,}" if number == int(number) else f"{number:,.2f}"


def _axis_label(value: float, value_format: ValueFormat) -> str:
    if value_format == "money":
        return format_compact(value)
    if value_format == "percent":
        percent = value * 100
        return f"{percent:.0f}%" if abs(percent - round(percent)) < 1e-9 else f"{percent:.1f}%"
    return format_compact(value)


def _x_number(x: object) -> float:
    if isinstance(x, dt.datetime):
        return x.timestamp() / 86400
    if isinstance(x, dt.date):
        return float(x.toordinal())
    return float(x)  # type: ignore[arg-type]


def _x_label(x: float, dates: bool) -> str:
    if dates:
        return dt.date.fromordinal(int(round(x))).isoformat()
    return format_compact(x)


def _x_ticks(low: float, high: float, dates: bool, count: int) -> list[float]:
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


def series_colours(names: Sequence[str], colours: Mapping[str, str] | None) -> list[str]:
    """Each series' colour: the caller's fixed one (so a bucket keeps its colour on every
    chart), else the palette by position."""
    fixed = colours or {}
    return [fixed.get(name) or PALETTE[index % len(PALETTE)] for index, name in enumerate(names)]


def values_panel(canvas: _Canvas, items: Sequence[tuple[str, str, str]]) -> str:
    """Series with a single point as what they are, a value each (name, colour, text), instead
    of a lone dot on an axis that says nothing."""
    for index, (name, colour, text) in enumerate(items):
        y = canvas.top + 8 + index * 24
        canvas.parts.append(f'<rect x="16" y="{y}" width="12" height="12" fill="{colour}"/>')
        canvas.parts.append(
            f'<text class="value" x="36" y="{y + 11}" fill="#1a1a1a">{escape(_truncate(name, 40))}: '
            f'<tspan font-weight="600">{escape(text)}</tspan></text>'
        )
    return canvas.finish()


def _chart_id(kind: str, title: str, payload: object) -> str:
    digest = hashlib.sha1(repr((kind, title, payload)).encode("utf-8", "replace")).hexdigest()
    return f"chart-{digest[:10]}"


class _Canvas:
    """The frame every chart shares: svg root, title, legend, plot area and tick helpers."""

    def __init__(
        self,
        kind: str,
        title: str,
        description: str,
        width: int,
        height: int,
        legend: Sequence[str],
        payload: object,
        left: int = 64,
        markers: str = "rect",
        colours: Sequence[str] | None = None,
    ) -> None:
        self.width, self.height = max(int(width), 160), max(int(height), 80)
        self.colours = list(colours) if colours else series_colours(legend, None)
        self.id = _chart_id(kind, title, payload)
        self.parts: list[str] = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{self.width}" height="{self.height}" viewBox="0 0 {self.width} {self.height}" '
            f'aria-labelledby="{self.id}-title {self.id}-desc" font-family="{escape(FONT)}" font-size="12">',
            f'<title id="{self.id}-title">{escape(title)}</title>',
            f'<desc id="{self.id}-desc">{escape(description)}</desc>',
            f'<rect width="{self.width}" height="{self.height}" fill="#ffffff"/>',
            f'<text x="8" y="18" font-size="14" font-weight="600" fill="#1a1a1a">{escape(title)}</text>',
        ]
        legend_rows = self._legend(legend, markers)
        self.top = 30 + legend_rows * 16 + 8
        self.left, self.right, self.bottom = left, self.width - 16, self.height - 40

    def _legend(self, names: Sequence[str], markers: str) -> int:
        if not names or (len(names) == 1 and markers == "bar"):
            return 0  # one bar series: the title says what the bars are
        x, row = 8.0, 0
        for index, name in enumerate(names):
            label = _truncate(name, 28)
            item_width = 22 + CHAR_WIDTH * len(label) + 14
            if x + item_width > self.width - 8 and x > 8:
                x, row = 8.0, row + 1
            y = 30 + row * 16
            colour = self.colours[index] if index < len(self.colours) else PALETTE[index % len(PALETTE)]
            if markers == "line":
                dash = DASHES[index % len(DASHES)]
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                self.parts.append(
                    f'<line x1="{x:.1f}" y1="{y + 6}" x2="{x + 16:.1f}" y2="{y + 6}" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
            else:
                self.parts.append(f'<rect x="{x:.1f}" y="{y + 1}" width="12" height="10" fill="{colour}"/>')
            self.parts.append(
                f'<text x="{x + 20:.1f}" y="{y + 10}" fill="#1a1a1a">{escape(label)}'
                f"<title>{escape(name)}</title></text>"
            )
            x += item_width
        return row + 1 if names else 0

    def empty(self, message: str = "No data") -> str:
        self.parts.append(
            f'<text x="{self.width / 2:.1f}" y="{(self.top + self.bottom) / 2:.1f}" text-anchor="middle" '
            f'fill="#555555" font-size="13">{escape(message)}</text>'
        )
        return self.finish()

    def label_axes(self, x_label: str, y_label: str) -> None:
        if x_label:
            self.parts.append(
                f'<text x="{(self.left + self.right) / 2:.1f}" y="{self.height - 6}" text-anchor="middle" '
                f'fill="#333333">{escape(x_label)}</text>'
            )
        if y_label:
            cy = (self.top + self.bottom) / 2
            self.parts.append(
                f'<text x="12" y="{cy:.1f}" text-anchor="middle" fill="#333333" '
                f'transform="rotate(-90 12 {cy:.1f})">{escape(y_label)}</text>'
            )

    def finish(self) -> str:
        return "\n".join([*self.parts, "</svg>"])


def _truncate(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale(low: float, high: float, start: float, end: float) -> Callable[[float], float]:
    span = (high - low) or 1.0
    return lambda v: start + (v - low) / span * (end - start)


def _value_ticks(values: Sequence[float], include_zero: bool, value_format: str) -> list[float]:
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    return nice_ticks(low, high, 5, integer=value_format == "count")


def _y_grid(canvas: _Canvas, ticks: Sequence[float], y: Callable[[float], float], value_format: str) -> None:
    for tick in ticks:
        ty = y(tick)
        stroke = "#888888" if tick == 0 else "#e3e3e3"
        canvas.parts.append(
            f'<line x1="{canvas.left}" y1="{ty:.1f}" x2="{canvas.right}" y2="{ty:.1f}" stroke="{stroke}"/>'
        )
        canvas.parts.append(
            f'<text class="value-tick" x="{canvas.left - 6}" y="{ty + 4:.1f}" text-anchor="end" '
            f'fill="#333333">'
            f"{escape(_axis_label(tick, value_format))}</text>"
        )


def _points(series: Mapping[str, Sequence[tuple[object, float]]]) -> tuple[dict[str, list], bool]:
    cleaned: dict[str, list[tuple[float, object, float]]] = {}
    dates = False
    for name, points in series.items():
        rows = []
        for x, value in points:
            if value is None:
                continue
            dates = dates or isinstance(x, dt.date)
            rows.append((_x_number(x), x, float(value)))
        cleaned[str(name)] = sorted(rows, key=lambda row: row[0])
    return cleaned, dates


def _describe_x(raw: object) -> str:
    return raw.isoformat() if isinstance(raw, dt.date) else format_compact(float(raw))  # type: ignore[arg-type]


def line_chart(
    series: Mapping[str, Sequence[tuple[object, float]]],
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
    cleaned, dates = _points(series)
    all_points = [p for rows in cleaned.values() for p in rows]
    if all_points and all(len(rows) <= 1 for rows in cleaned.values()):
        return _single_points("line", title, description, width, cleaned, value_format, None)
    canvas = _Canvas(
        "line",
        title,
        description or _summary("Line chart", cleaned, value_format),
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
    x_ticks = _x_ticks(x_low, x_high, dates, 6) if x_low < x_high else [x_low]
    if x_low == x_high:
        x_low, x_high = x_low - 1, x_high + 1
    ticks = _value_ticks([p[2] for p in all_points], include_zero, value_format)
    x = _scale(x_low, x_high, canvas.left + 8, canvas.right - 8)
    y = _scale(ticks[0], ticks[-1], canvas.bottom, canvas.top)
    _y_grid(canvas, ticks, y, value_format)
    _x_axis(canvas, x, x_ticks, dates)
    for index, (name, rows) in enumerate(cleaned.items()):
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
                    f"<title>{escape(name)} – {escape(_describe_x(raw))}: "
                    f"{escape(format_value(pv, value_format))}</title></circle>"
                )
    canvas.label_axes(x_label, y_label)
    return canvas.finish()


def _x_axis(canvas: _Canvas, x: Callable[[float], float], ticks: Sequence[float], dates: bool) -> None:
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


def stacked_area_chart(
    series: Mapping[str, Sequence[tuple[object, float]]],
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
    cleaned, dates = _points(series)
    palette = series_colours(list(cleaned), colours)
    xs = sorted({p[0] for rows in cleaned.values() for p in rows})
    if len(xs) == 1:
        return _single_points("area", title, description, width, cleaned, value_format, colours)
    canvas = _Canvas(
        "area",
        title,
        description or _summary("Stacked area chart", cleaned, value_format),
        width,
        height,
        list(cleaned),
        (cleaned, value_format),
        colours=palette,
    )
    if not xs:
        return canvas.empty()
    raw_x = {p[0]: p[1] for rows in cleaned.values() for p in rows}
    values = {name: {p[0]: p[2] for p in rows} for name, rows in cleaned.items()}
    positive = dict.fromkeys(xs, 0.0)
    negative = dict.fromkeys(xs, 0.0)
    bands: list[tuple[str, list[tuple[float, float, float]]]] = []
    for name in cleaned:
        band = []
        for px in xs:
            value = values[name].get(px, 0.0)
            stack = positive if value >= 0 else negative
            band.append((px, stack[px], stack[px] + value))
            stack[px] += value
        bands.append((name, band))
    ticks = _value_ticks([*positive.values(), *negative.values()], True, value_format)
    x_low, x_high = (xs[0], xs[-1]) if len(xs) > 1 else (xs[0] - 1, xs[0] + 1)
    x = _scale(x_low, x_high, canvas.left + 8, canvas.right - 8)
    y = _scale(ticks[0], ticks[-1], canvas.bottom, canvas.top)
    _y_grid(canvas, ticks, y, value_format)
    _x_axis(canvas, x, _x_ticks(x_low, x_high, dates, 6) if len(xs) > 1 else xs, dates)
    for index, (name, band) in enumerate(bands):
        colour = palette[index]
        upper = " ".join(f"{x(px):.1f},{y(top):.1f}" for px, _, top in band)
        lower = " ".join(f"{x(px):.1f},{y(base):.1f}" for px, base, _ in reversed(band))
        latest = band[-1]
        canvas.parts.append(
            f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.85" stroke="#ffffff" '
            f'stroke-width="0.5"><title>{escape(name)} – latest {escape(_describe_x(raw_x[latest[0]]))}: '
            f"{escape(format_value(latest[2] - latest[1], value_format))}</title></polygon>"
        )
    canvas.label_axes(x_label, y_label)
    return canvas.finish()


def _single_points(
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
    day = _describe_x(next(rows[0][1] for rows in cleaned.values() if rows))
    items = [(name, colour_of[name], format_value(cleaned[name][0][2], value_format)) for name in names]
    note = f"One date so far ({day}): no trend yet."
    longest = max([len(title) * 1.3, len(note), *(len(f"{n}: {t}") + 4 for n, _, t in items)])
    canvas = _Canvas(
        kind,
        title,
        description or _summary("Values", cleaned, value_format),
        min(width, max(240, int(16 + CHAR_WIDTH * longest))),  # no more room than its words need
        30 + 8 + 24 * (len(names) + 1) + 8,
        [],
        (kind, cleaned, value_format),
    )
    canvas.parts.append(f'<text x="8" y="{canvas.top + 2}" fill="#333333">{escape(note)}</text>')
    canvas.top += 12
    return values_panel(canvas, items)


def _bar_rect(x: float, y: float, w: float, h: float, colour: str, tooltip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0.5):.1f}" fill="{colour}">'
        f"<title>{escape(tooltip)}</title></rect>"
    )


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
    data = {str(k): [None if v is None else float(v) for v in vals] for k, vals in series.items()}
    for key, vals in data.items():
        if len(vals) != len(names):
            raise ValueError(f"series {key!r} has {len(vals)} values for {len(names)} categories")
    if height is None:
        per_category = 14 if stacked else 8 + 10 * max(len(data), 1)
        height = max(160, 90 + len(names) * per_category) if horizontal else 280
    label_chars = min(max((len(n) for n in names), default=4), 24)
    canvas = _Canvas(
        "bar",
        title,
        description or _bar_summary(names, data, value_format, stacked),
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
    if stacked:
        totals = []
        for i in range(len(names)):
            column = [vals[i] or 0.0 for vals in data.values()]
            totals += [sum(v for v in column if v > 0), sum(v for v in column if v < 0)]
        ticks = _value_ticks(totals, True, value_format)
    else:
        ticks = _value_ticks(values, True, value_format)
    slot_start, slot_end = (canvas.top, canvas.bottom) if horizontal else (canvas.left, canvas.right)
    slot = (slot_end - slot_start) / len(names)
    groups = 1 if stacked else len(data)
    bar = max(min(slot * 0.8 / groups, 48), 1.0)
    if horizontal:
        value_axis = _scale(ticks[0], ticks[-1], canvas.left, canvas.right)
        _v_grid(canvas, ticks, value_axis, value_format)
    else:
        value_axis = _scale(ticks[0], ticks[-1], canvas.bottom, canvas.top)
        _y_grid(canvas, ticks, value_axis, value_format)
    zero = value_axis(0.0)
    for i, category in enumerate(names):
        centre = slot_start + slot * (i + 0.5)
        _category_label(canvas, category, centre, slot, horizontal)
        positive_base = negative_base = 0.0
        for index, (name, vals) in enumerate(data.items()):
            value = vals[i]
            if value is None:
                continue
            colour = PALETTE[index % len(PALETTE)]
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
            tooltip = (
                f"{name} – {category}: {format_value(value, value_format)}"
                if len(data) > 1
                else (f"{category}: {format_value(value, value_format)}")
            )
            low, length = min(start, end), abs(end - start)
            if horizontal:
                canvas.parts.append(_bar_rect(low, offset, length, bar * 0.92, colour, tooltip))
            else:
                canvas.parts.append(_bar_rect(offset, low, bar * 0.92, length, colour, tooltip))
    canvas.label_axes(x_label, y_label)
    return canvas.finish()


def _v_grid(canvas: _Canvas, ticks: Sequence[float], x: Callable[[float], float], value_format: str) -> None:
    for tick in ticks:
        tx = x(tick)
        stroke = "#888888" if tick == 0 else "#e3e3e3"
        canvas.parts.append(
            f'<line x1="{tx:.1f}" y1="{canvas.top}" x2="{tx:.1f}" y2="{canvas.bottom}" stroke="{stroke}"/>'
        )
        canvas.parts.append(
            f'<text class="value-tick" x="{tx:.1f}" y="{canvas.bottom + 16}" text-anchor="middle" '
            f'fill="#333333">'
            f"{escape(_axis_label(tick, value_format))}</text>"
        )


def _category_label(canvas: _Canvas, category: str, centre: float, slot: float, horizontal: bool) -> None:
    if horizontal:
        label = _truncate(category, 24)
        canvas.parts.append(
            f'<text x="{canvas.left - 6}" y="{centre + 4:.1f}" text-anchor="end" fill="#1a1a1a">'
            f"{escape(label)}<title>{escape(category)}</title></text>"
        )
        return
    label = _truncate(category, max(int(slot / CHAR_WIDTH), 3))
    canvas.parts.append(
        f'<text x="{centre:.1f}" y="{canvas.bottom + 16}" text-anchor="middle" fill="#1a1a1a">'
        f"{escape(label)}<title>{escape(category)}</title></text>"
    )


def _summary(kind: str, cleaned: Mapping[str, list], value_format: str) -> str:
    points = [p for rows in cleaned.values() for p in rows]
    if not points:
        return f"{kind}: no data."
    first = min(points, key=lambda p: p[0])[1]
    last = max(points, key=lambda p: p[0])[1]
    low = min(p[2] for p in points)
    high = max(p[2] for p in points)
    names = ", ".join(cleaned)
    span = _describe_x(first) if first == last else f"{_describe_x(first)} to {_describe_x(last)}"
    return (
        f"{kind} of {len(cleaned)} series ({names}) from {span}; values range from "
        f"{format_value(low, value_format)} to {format_value(high, value_format)}."
    )


def _bar_summary(names: Sequence[str], data: Mapping[str, list], value_format: str, stacked: bool) -> str:
    values = [v for vals in data.values() for v in vals if v is not None]
    if not names or not values:
        return "Bar chart: no data."
    kind = "Stacked bar chart" if stacked else "Bar chart"
    return (
        f"{kind} of {', '.join(data)} for {len(names)} categories; values range from "
        f"{format_value(min(values), value_format)} to {format_value(max(values), value_format)}."
    )
