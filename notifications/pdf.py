"""Printable business letters as PDF (fpdf2): statements, dunning letters.

A `PdfDocument` is a sender block, a recipient block placed for a window envelope, a date line,
a title and blocks (paragraphs and tables). `render_pdf` lays them out on A4 (or Letter) with
"Page x of y" footers; table headers repeat on every page a table spans; money columns align
right. The same document always gives the same bytes (fixed creation date and file id), so
letters can be hashed, deduplicated and compared in tests.

fpdf2's core fonts (Helvetica) only cover Latin-1: every text is drawn through `pdf_text`
(`notifications.pdf_text`), which transliterates what Latin-1 lacks and drops nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from notifications.pdf_text import pdf_text

if TYPE_CHECKING:  # fpdf2 takes ~0.4 s to import: only a run that prints pays for it
    from fpdf import FPDF

__all__ = ["PdfDocument", "PdfTable", "pdf_text", "render_pdf"]

# Every PDF claims this creation date: the same input must give the same bytes.
FIXED_CREATION_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FONT = "Helvetica"
MARGIN_MM = 20.0
# Address window of a DL/C5 window envelope (DIN 5008 form B; fits US #10 windows as well).
WINDOW_LEFT_MM = 20.0
WINDOW_TOP_MM = 45.0
WINDOW_WIDTH_MM = 85.0
WINDOW_HEIGHT_MM = 40.0


@dataclass(frozen=True)
class PdfTable:
    """A table: `align` per column ("L", "C", "R"; default left), `footer` a bold totals row."""

    headers: list[str]
    rows: list[list[str]]
    align: list[str] | None = None
    footer: list[str] | None = None


@dataclass(frozen=True)
class PdfDocument:
    """One letter. `blocks` are paragraphs (str; "\\n" breaks lines) and tables, in order."""

    title: str
    sender_lines: list[str]
    recipient_lines: list[str]
    date_line: str
    blocks: list[str | PdfTable]


@cache
def _letter_class() -> type[FPDF]:
    """fpdf2's document with our footer, made when the first letter is printed."""
    from fpdf import FPDF
    from fpdf.enums import Align

    class _Letter(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(FONT, size=8)
            self.set_text_color(100)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align=Align.C)
            self.set_text_color(0)

    return _Letter


def _column_widths(pdf: FPDF, table: PdfTable, width: float) -> list[float]:
    """Widths from the longest cell in each column (headers in bold), scaled to the text width."""
    columns = len(table.headers)
    natural = [0.0] * columns
    pdf.set_font(FONT, style="B", size=9)
    for i, header in enumerate(table.headers):
        longest_word = max((_width(pdf, w) for w in pdf_text(header).split()), default=0)
        natural[i] = max(natural[i], longest_word)
    pdf.set_font(FONT, size=9)
    for row in [*table.rows, *([table.footer] if table.footer else [])]:
        for i, cell in enumerate(row[:columns]):
            natural[i] = max(natural[i], _width(pdf, pdf_text(cell)))
    padded = [n + 4.0 for n in natural]
    total = sum(padded)
    if total <= width:  # spread the spare room evenly: tables use the full text width
        spare = (width - total) / columns
        return [p + spare for p in padded]
    # Too wide: squeeze the widest columns first (text wraps inside its cell).
    widths = padded[:]
    while sum(widths) > width + 0.01:
        widest = max(widths)
        second = max((w for w in widths if w < widest), default=0.0)
        n_widest = sum(1 for w in widths if w == widest)
        excess = sum(widths) - width
        cut = min(widest - second, excess / n_widest) if second else excess / n_widest
        widths = [w - cut if w == widest else w for w in widths]
    return widths


def _width(pdf: FPDF, text: str) -> float:
    """Width in mm of Latin-1 `text` in the current core font (what get_string_width gives,
    without its text shaping and markdown passes)."""
    return pdf.current_font.get_text_width(text, pdf.font_size_pt, None)[1] / pdf.k


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` (words first, then characters)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if _width(pdf, paragraph) <= width:
            lines.append(paragraph)
            continue
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _width(pdf, candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:  # a word wider than the column is cut where it must be
                if line and _width(pdf, line + char) > width:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines


_LINE_MM = 4.6
_PAD_MM = 1.5
_RULE_GRAY = 190
_HEADER_FILL = 232


def _draw_row(
    pdf: FPDF,
    cells: list[str],
    widths: list[float],
    align: list[str],
    *,
    style: str,
    fill: bool,
    header: list[str] | None,
    header_align=None,
) -> None:
    """One row (cells wrap inside their column); on a page break the header row comes first."""
    pdf.set_font(FONT, style=style, size=9)
    wrapped = [_wrap(pdf, cell, w - 2 * _PAD_MM) for cell, w in zip(cells, widths, strict=True)]
    height = max(len(lines) for lines in wrapped) * _LINE_MM + 1.2
    if header is not None and pdf.will_page_break(height):
        pdf.add_page()
        _draw_row(pdf, header, widths, header_align, style="B", fill=True, header=None)
        pdf.set_font(FONT, style=style, size=9)
    x0, y0 = pdf.l_margin, pdf.get_y()
    if fill:
        pdf.set_fill_color(_HEADER_FILL)
        pdf.rect(x0, y0, sum(widths), height, style="F")
    # Text placed with text() at computed positions: cell() costs ~10x more per call, and a
    # monthly batch draws a few hundred cells per letter for every account.
    baseline = y0 + 0.6 + 0.5 * _LINE_MM + 0.3 * pdf.font_size
    x = x0
    for lines, w, a in zip(wrapped, widths, align, strict=True):
        for i, line in enumerate(lines):
            if not line:
                continue
            if a == "L":
                left = x + _PAD_MM
            else:
                room = w - 2 * _PAD_MM - _width(pdf, line)
                left = x + _PAD_MM + (room if a == "R" else room / 2)
            pdf.text(left, baseline + i * _LINE_MM, line)
        x += w
    pdf.set_draw_color(_RULE_GRAY)
    pdf.line(x0, y0 + height, x0 + sum(widths), y0 + height)
    pdf.set_draw_color(0)
    pdf.set_xy(x0, y0 + height)


def _draw_table(pdf: FPDF, table: PdfTable) -> None:
    """Header, rows and a bold footer; money columns right-aligned; the header row repeats on
    every page the table spans. Drawn cell by cell: fpdf2's own table() is ~5x slower, which
    matters when a batch renders a letter per account."""
    columns = len(table.headers)
    for row in [*table.rows, *([table.footer] if table.footer else [])]:
        if len(row) != columns:
            raise ValueError(f"table row has {len(row)} cells, headers have {columns}: {row!r}")
    align = [a.upper() for a in (table.align or ["L"] * columns)]
    if len(align) != columns or any(a not in ("L", "C", "R") for a in align):
        raise ValueError(f"table align must be one of L/C/R per column, got {table.align!r}")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    widths = _column_widths(pdf, table, width)
    header = [pdf_text(h) for h in table.headers]
    # Keep the header with at least the first row: a header alone at a page's foot helps no one.
    if pdf.will_page_break(3 * _LINE_MM + 3):
        pdf.add_page()
    _draw_row(pdf, header, widths, align, style="B", fill=True, header=None)
    for row in table.rows:
        _draw_row(
            pdf,
            [pdf_text(c) for c in row],
            widths,
            align,
            style="",
            fill=False,
            header=header,
            header_align=align,
        )
    if table.footer:
        _draw_row(
            pdf,
            [pdf_text(c) for c in table.footer],
            widths,
            align,
            style="B",
            fill=False,
            header=header,
            header_align=align,
        )
    pdf.ln(4)


def _text_block(
    pdf: FPDF, text: str, *, x: float, width: float, line_height: float, align: str = "L"
) -> None:
    """`text` (already Latin-1) wrapped to `width` from the current y, one line after another,
    starting a new page when a line would cross the bottom margin; leaves y under the block."""
    for line in _wrap(pdf, text, width):
        if pdf.will_page_break(line_height):
            pdf.add_page()
        if line:
            room = width - _width(pdf, line)
            left = x + (room if align == "R" else room / 2 if align == "C" else 0)
            pdf.text(left, pdf.get_y() + 0.5 * line_height + 0.3 * pdf.font_size, line)
        pdf.set_y(pdf.get_y() + line_height)


def render_pdf(doc: PdfDocument, *, paper: str = "A4") -> bytes:
    """The letter as PDF bytes; identical input gives identical bytes."""
    pdf = _letter_class()(orientation="portrait", unit="mm", format=paper)
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.set_title(doc.title)  # metadata strings are Unicode (UTF-16) in the PDF: no need to transliterate
    if doc.sender_lines:
        pdf.set_author(doc.sender_lines[0])
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.alias_nb_pages()
    pdf.add_page()
    text_width = pdf.w - 2 * MARGIN_MM

    # Sender: top right, small; its first line (the company) in bold.
    sender_width = 75.0
    sender_x = pdf.w - MARGIN_MM - sender_width
    pdf.set_y(MARGIN_MM)
    for i, line in enumerate(doc.sender_lines):
        pdf.set_font(FONT, style="B" if i == 0 else "", size=10 if i == 0 else 9)
        _text_block(pdf, pdf_text(line), x=sender_x, width=sender_width, line_height=4.5, align="R")

    # Recipient: inside the envelope window, with the sender as a one-line return address above.
    pdf.set_y(WINDOW_TOP_MM)
    inside = WINDOW_LEFT_MM + 1.0
    if doc.sender_lines:
        pdf.set_font(FONT, size=7)
        return_address = pdf_text(" - ".join(line for line in doc.sender_lines if line.strip()))
        while _width(pdf, return_address) > WINDOW_WIDTH_MM - 2 and len(return_address) > 4:
            return_address = return_address[:-4] + "..."
        _text_block(pdf, return_address, x=inside, width=WINDOW_WIDTH_MM - 2, line_height=4)
        pdf.set_y(pdf.get_y() + 1)
    pdf.set_font(FONT, size=10)
    for line in doc.recipient_lines:
        _text_block(pdf, pdf_text(line), x=inside, width=WINDOW_WIDTH_MM - 2, line_height=4.5)

    pdf.set_y(max(pdf.get_y(), WINDOW_TOP_MM + WINDOW_HEIGHT_MM) + 8)
    pdf.set_font(FONT, size=10)
    _text_block(pdf, pdf_text(doc.date_line), x=MARGIN_MM, width=text_width, line_height=5, align="R")
    pdf.set_y(pdf.get_y() + 4)
    pdf.set_font(FONT, style="B", size=13)
    _text_block(pdf, pdf_text(doc.title), x=MARGIN_MM, width=text_width, line_height=6)
    pdf.set_y(pdf.get_y() + 3)

    for block in doc.blocks:
        if isinstance(block, PdfTable):
            _draw_table(pdf, block)
        else:
            pdf.set_font(FONT, size=10)
            _text_block(pdf, pdf_text(block), x=MARGIN_MM, width=text_width, line_height=5)
            pdf.set_y(pdf.get_y() + 3)
    return bytes(pdf.output())
