"""A person's edit of a drafted dunning message: the same message with their text, so that what is
approved and sent is what they wrote.

An email keeps its headers (recipient, schedule, account, invoices) and gets the edited text as its
text part and the same text as simple HTML (the template's layout would still say the old words);
an SMS gets its size counted again; a letter's PDF is printed again from its layout with the edited
text around the same invoice table. Every edit names its author (`X-Ledgerloop-Edited-By`, or
`edited_by` in an SMS's or letter's data).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from email.message import EmailMessage
from functools import cache
from typing import Any

from jinja2 import Environment

from notifications.channels import ChannelMessage, sms_size
from notifications.draft_rows import EDITED_HEADER, LETTER_LAYOUT
from notifications.letter_layout import layout_pdf, layout_text
from notifications.render import template_environment

MAX_TEXT_LENGTH = 8_000
MAX_SMS_SEGMENTS = 10
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version", EDITED_HEADER.lower()}


class EditRefused(ValueError):
    """The edited text cannot be used; the message says why, in words for the person editing."""


@cache
def _environment() -> Environment:
    return template_environment()


def clean_text(text: str) -> str:
    """Line ends as `\\n`, no control characters, no trailing spaces on a line, no blank ends."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def current_parts(message: EmailMessage | ChannelMessage, channel: str) -> list[str]:
    """What a person edits: the text, or a letter's text before and after its invoice table."""
    if channel == "email":
        body = message.get_body(preferencelist=("plain",))  # type: ignore[union-attr]
        return [body.get_content() if body is not None else ""]
    if channel == "letter":
        layout = message.meta.get(LETTER_LAYOUT) or {}  # type: ignore[union-attr]
        return [layout.get("before", ""), layout.get("after", "")]
    return [message.body]  # type: ignore[union-attr]


def fixed_text(message: EmailMessage | ChannelMessage, channel: str) -> str:
    """What an edit leaves as drafted: a letter's invoice table, one line per invoice."""
    if channel != "letter":
        return ""
    return str((message.meta.get(LETTER_LAYOUT) or {}).get("invoice_lines", ""))  # type: ignore[union-attr]


def _digest(parts: list[str]) -> dict[str, Any]:
    text = "\n\n".join(parts)
    return {"length": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()[:16]}


def edited_message(
    message: EmailMessage | ChannelMessage, channel: str, parts: list[str], actor: str
) -> tuple[EmailMessage | ChannelMessage, dict[str, Any], dict[str, Any]]:
    """(the edited message, digest before, digest after); `EditRefused` when the text is empty,
    too long, or the message cannot be edited."""
    cleaned = [clean_text(part) for part in parts]
    if not any(cleaned):
        raise EditRefused("The text is empty. Write the message, or reject the draft instead.")
    if sum(len(part) for part in cleaned) > MAX_TEXT_LENGTH:
        raise EditRefused(f"The text is longer than {MAX_TEXT_LENGTH:,} characters.")
    before = _digest(current_parts(message, channel))
    if channel == "email":
        edited: EmailMessage | ChannelMessage = _edited_email(message, cleaned[0], actor)  # type: ignore[arg-type]
    elif channel == "sms":
        edited = _edited_sms(message, cleaned[0], actor)  # type: ignore[arg-type]
    else:
        edited = _edited_letter(message, cleaned, actor)  # type: ignore[arg-type]
    return edited, before, _digest(cleaned)


def _edited_email(message: EmailMessage, text: str, actor: str) -> EmailMessage:
    edited = EmailMessage()
    for name, value in message.items():
        if name.lower() not in _BODY_HEADERS:
            edited[name] = str(value)
    edited[EDITED_HEADER] = actor
    edited.set_content(text + "\n")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    html = _environment().get_template("email/dunning/edited.html.jinja2").render(
        subject=str(message["Subject"] or ""), paragraphs=paragraphs
    )
    edited.add_alternative(html, subtype="html")
    return edited


def _edited_sms(message: ChannelMessage, text: str, actor: str) -> ChannelMessage:
    size = sms_size(text)
    if size.segments > MAX_SMS_SEGMENTS:
        raise EditRefused(
            f"This text would go out as {size.segments} SMS parts; keep it to {MAX_SMS_SEGMENTS} or fewer."
        )
    meta = {**message.meta, "encoding": size.encoding, "segments": size.segments, "units": size.units,
            "edited_by": actor}
    return replace(message, body=text, meta=meta)


def _edited_letter(message: ChannelMessage, parts: list[str], actor: str) -> ChannelMessage:
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
