"""The letter channel: a printable PDF (sender block, address window, invoice table) delivered
through a gateway (a print shop's hot folder by default). The letter keeps its layout as data
(`notifications.letter_layout`), so a person's edit of the text before and after the invoice table
is printed again."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notifications.channels.folder_channel import FolderChannel
from notifications.channels.message_folder import ChannelMessage
from notifications.draft_edits import EditRefused
from notifications.letter_layout import LETTER_LAYOUT, layout_pdf, layout_text


class LetterChannel(FolderChannel):
    name = "letter"
    title = "Letter"
    template_files = ("txt.jinja2",)
    sent_as = "letter sent"
    label = "letter"
    folder = "letter"
    edit_parts = ("before", "after")
    edit_note = "Saving prints the letter's PDF again with your text."

    def editable(self, meta: dict[str, Any]) -> bool:
        return LETTER_LAYOUT in meta

    def current_parts(self, message: ChannelMessage) -> list[str]:
        layout = message.meta.get(LETTER_LAYOUT) or {}
        return [layout.get("before", ""), layout.get("after", "")]

    def fixed_text(self, message: ChannelMessage) -> str:
        """The invoice table, one line per invoice: an edit leaves it as drafted."""
        return str((message.meta.get(LETTER_LAYOUT) or {}).get("invoice_lines", ""))

    def edited(self, message: ChannelMessage, parts: list[str], actor: str) -> ChannelMessage:
        """The letter with the edited text around the same invoice table, its PDF printed again."""
        layout = message.meta.get(LETTER_LAYOUT)
        if not layout:
            raise EditRefused(
                "This letter was drafted before letters could be edited, so its PDF cannot be printed "
                "again with new text. Reject it with your reason; the next run drafts it afresh."
            )
        before, after = (parts + ["", ""])[:2]
        layout = {**layout, "before": before, "after": after}
        meta = {**message.meta, LETTER_LAYOUT: layout, "edited_by": actor}
        return replace(message, body=layout_text(layout), meta=meta, attachment=layout_pdf(layout))


LETTER = LetterChannel()
