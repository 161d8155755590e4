"""Charts as plain SVG strings: line, bar (grouped, stacked, horizontal) and stacked area.

Pure functions with no dependencies, so any page or email can embed a chart without JavaScript:
every chart is an `<svg role="img">` with a `<title>` and a `<desc>` summarising the data, each
mark carries its exact value in a `<title>` (the browser's tooltip), axis ticks fall on round
numbers, and every piece of text is XML-escaped. The colours are the Okabe-Ito palette (safe for
the common colour-vision deficiencies) and lines also differ by dash pattern, so a chart still
reads when printed in grey. Pages should place the same numbers in a table beside each chart.

The parts: `text` (escaping and number formats), `canvas` (the frame, legend and palette every
chart shares), `axes` (scales, ticks and grids), `series` (points over dates or numbers, read
by the line and area charts), and one module per chart kind: `line`, `area`, `bar`.
"""

from orchestration.reporting.svg.area import stacked_area_chart
from orchestration.reporting.svg.axes import nice_ticks
from orchestration.reporting.svg.bar import bar_chart
from orchestration.reporting.svg.canvas import PALETTE
from orchestration.reporting.svg.line import line_chart
from orchestration.reporting.svg.text import ValueFormat, escape, format_compact, format_money, format_value

__all__ = [
    "PALETTE",
    "ValueFormat",
    "bar_chart",
    "escape",
    "format_compact",
    "format_money",
    "format_value",
    "line_chart",
    "nice_ticks",
    "stacked_area_chart",
]
