"""The frame every chart shares: the svg root with its title and description, the legend, the
plot area, and the palette that gives each series its colour."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from orchestration.reporting.svg.text import escape, truncate

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999999")
"""Okabe-Ito colours, darkest first; yellow is left out (unreadable on white paper)."""

DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")

CHAR_WIDTH = 7.0
"""Average width of a character at the charts' 12px font, for laying out labels."""

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def series_colours(names: Sequence[str], colours: Mapping[str, str] | None) -> list[str]:
    """Each series' colour: the caller's fixed one (so a bucket keeps its colour on every
    chart), else the palette by position."""
    fixed = colours or {}
    return [fixed.get(name) or PALETTE[index % len(PALETTE)] for index, name in enumerate(names)]


def chart_id(kind: str, title: str, payload: object) -> str:
    """A stable id from what the chart shows, so two charts on one page never share one."""
    digest = hashlib.sha1(repr((kind, title, payload)).encode("utf-8", "replace")).hexdigest()
    return f"chart-{digest[:10]}"


class Canvas:
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
        self.id = chart_id(kind, title, payload)
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
            label = truncate(name, 28)
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


def values_panel(canvas: Canvas, items: Sequence[tuple[str, str, str]]) -> str:
    """Series with a single point as what they are, a value each (name, colour, text), instead
    of a lone dot on an axis that says nothing."""
    for index, (name, colour, text) in enumerate(items):
        y = canvas.top + 8 + index * 24
        canvas.parts.append(f'<rect x="16" y="{y}" width="12" height="12" fill="{colour}"/>')
        canvas.parts.append(
            f'<text class="value" x="36" y="{y + 11}" fill="#1a1a1a">{escape(truncate(name, 40))}: '
            f'<tspan font-weight="600">{escape(text)}</tspan></text>'
        )
    return canvas.finish()
