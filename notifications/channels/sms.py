"""The SMS channel: a text with its encoding and segment count, delivered through a gateway."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from notifications.channels.folder_channel import FolderChannel
from notifications.channels.message_folder import ChannelMessage
from notifications.draft_edits import EditRefused

MAX_SMS_SEGMENTS = 10
"""The most parts a person's edit may take."""

# GSM 03.38 basic character set and the extension table (each extension character costs two septets).
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsSize:
    encoding: str
    """`GSM-7` when every character is in the GSM alphabet, else `UCS-2`."""
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2)."""
    segments: int
    """Parts the network bills: 160/70 fit one, longer texts go in 153/67 per part."""


def sms_size(text: str) -> SmsSize:
    """How an SMS text is encoded and how many segments it takes."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, part = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
        encoding = "UCS-2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsSize(encoding, units, segments)


class SmsChannel(FolderChannel):
    name = "sms"
    title = "SMS"
    template_files = ("txt.jinja2",)
    sent_as = "SMS sent"
    label = "sms"
    folder = "sms"

    def listed_subject(self, message: ChannelMessage) -> str:
        meta = message.meta
        return f"{message.subject} [{meta.get('encoding')}, {meta.get('segments')} segment(s)]"

    def edited(self, message: ChannelMessage, parts: list[str], actor: str) -> ChannelMessage:
        """The edited text with its size counted again; refused past `MAX_SMS_SEGMENTS` parts."""
        text = parts[0]
        size = sms_size(text)
        if size.segments > MAX_SMS_SEGMENTS:
            raise EditRefused(
                f"This text would go out as {size.segments} SMS parts; "
                f"keep it to {MAX_SMS_SEGMENTS} or fewer."
            )
        meta = {**message.meta, "encoding": size.encoding, "segments": size.segments, "units": size.units,
                "edited_by": actor}
        return replace(message, body=text, meta=meta)


SMS = SmsChannel()
