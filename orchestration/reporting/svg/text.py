"""Every text a chart writes: XML-escaped, cut to fit, and numbers in the page's formats."""

from __future__ import annotations

import html
import re
from decimal import Decimal

ValueFormat = str
"""'number' | 'count' (whole-number ticks) | 'money' | 'percent' (fractions: 0.25 shows as 25%) | 'days'."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def escape(text: object) -> str:
    """Text safe inside an SVG/HTML element or a quoted attribute; drops characters XML forbids."""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut (the full text goes in a tooltip)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def axis_label(value: float, value_format: ValueFormat) -> str:
    """A value tick's label: compact amounts, whole percentages where they are whole."""
    if value_format == "money":
        return format_compact(value)
    if value_format == "percent":
        percent = value * 100
        return f"{percent:.0f}%" if abs(percent - round(percent)) < 1e-9 else f"{percent:.1f}%"
    return format_compact(value)
