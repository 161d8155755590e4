"""A dunning letter as data: what its PDF prints (title, address blocks, date, the text before and
after the invoice table, the table), kept in the letter's `message.json` so that the PDF can be
printed again after a person edits the text."""

from __future__ import annotations

from typing import Any

from notifications.pdf import PdfDocument, PdfTable, render_pdf

LETTER_LAYOUT = "letter_layout"
"""The key of a letter's layout in its `message.json` meta data; a letter drafted without it cannot
be edited."""


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def layout_pdf(layout: dict[str, Any]) -> bytes:
    """The letter's PDF: paragraphs of `before`, the invoice table, paragraphs of `after`."""
    table = PdfTable(**layout["table"])
    return render_pdf(
        PdfDocument(
            title=layout["title"],
            sender_lines=list(layout["sender_lines"]),
            recipient_lines=list(layout["recipient_lines"]),
            date_line=layout["date_line"],
            blocks=[*_paragraphs(layout["before"]), table, *_paragraphs(layout["after"])],
        )
    )


def layout_text(layout: dict[str, Any]) -> str:
    """The letter as plain text (what a person previews): the table as one line per invoice."""
    return "\n\n".join(part for part in (layout["before"], layout["invoice_lines"], layout["after"]) if part)
