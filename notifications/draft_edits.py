"""A person's edit of a drafted dunning message: the same message with their text, so that what is
approved and sent is what they wrote.

What is edited and how the message is made again is the channel's (`notifications.channels`): an
email keeps its headers and gets the text as its text part and simple HTML, an SMS gets its size
counted again, a letter's PDF is printed again around the same invoice table. Here: what every
edit must be (not empty, not too long, no control characters) and a digest of before and after for
the audit. Every edit names its author (`X-Ledgerloop-Edited-By`, or `edited_by` in the data).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifications.channels import OutboxChannel

MAX_TEXT_LENGTH = 8_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n


class EditRefused(ValueError):
    """The edited text cannot be used; the message says why, in words for the person editing."""


def clean_text(text: str) -> str:
    """Line ends as `\\n`, no control characters, no trailing spaces on a line, no blank ends."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _digest(parts: list[str]) -> dict[str, Any]:
    text = "\n\n".join(parts)
    return {"length": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()[:16]}


def edited_message(
    message: Any, channel: OutboxChannel, parts: list[str], actor: str
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(the edited message, digest before, digest after); `EditRefused` when the text is empty,
    too long, or the message cannot be edited."""
    cleaned = [clean_text(part) for part in parts]
    if not any(cleaned):
        raise EditRefused("The text is empty. Write the message, or reject the draft instead.")
    if sum(len(part) for part in cleaned) > MAX_TEXT_LENGTH:
        raise EditRefused(f"The text is longer than {MAX_TEXT_LENGTH:,} characters.")
    before = _digest(channel.current_parts(message))
    return channel.edited(message, cleaned, actor), before, _digest(cleaned)
