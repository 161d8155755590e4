"""One dunning message as a person reviews it, and how it is read from its file into the index.

An email is one `.eml` (customer reminders, and escalations to managers: `-escalation-` in the
name); an SMS or a letter is a folder whose `message.json` says everything but the letter's PDF,
which is never read to list it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from notifications.draft_kinds import INVOICES_HEADER
from notifications.folder_states import StoredItem, rejection_note
from notifications.outbox import ACCOUNT_HEADER, SEND_AFTER_HEADER

"""The invoice keys a dunning email covers, comma-separated (as orchestration/dunning writes it)."""
NOTICE_HEADER = "X-Ledgerloop-Notice"
EDITED_HEADER = "X-Ledgerloop-Edited-By"
"""Who changed a drafted email's text before it was approved."""
LETTER_LAYOUT = "letter_layout"
"""The letter's PDF, as data (title, address blocks, invoice table, text), so an edit can print it
again; a letter drafted without it cannot be edited."""
CHANNELS = {"dunning": "email", "sms": "sms", "letter": "letter"}
"""Label of a dunning outbox -> its channel."""
COLUMNS = (
    "kind", "account_id", "notice_id", "recipient", "subject", "send_after", "invoice_keys", "body",
    "segments", "encoding", "has_pdf", "editable", "edited_by", "rejected_by", "rejected_at",
    "rejected_reason",
)
"""The index's columns after (channel, state, day, name, signature), in this order."""


@dataclass(frozen=True)
class DunningDraft:
    """One customer dunning message in one state."""

    label: str
    """`dunning:<date>/<name>`, `sms:<date>/<name>` or `letter:<date>/<name>`."""
    state: str
    channel: str
    """email, sms or letter."""
    day: str
    name: str
    account_id: str
    recipient: str
    subject: str
    send_after: dt.datetime | None
    invoice_keys: tuple[str, ...]
    text: str
    """The email's text part, the SMS text or the letter's text."""
    notice_id: str = ""
    segments: int | None = None
    encoding: str | None = None
    has_pdf: bool = False
    editable: bool = False
    edited_by: str | None = None
    rejected_by: str | None = None
    rejected_at: dt.datetime | None = None
    rejected_reason: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DunningDraft:
        """A row of the index (channel label, state, day, name and `COLUMNS`)."""
        return cls(
            label=f"{row['channel']}:{row['day']}/{row['name']}",
            state=row["state"],
            channel=CHANNELS[row["channel"]],
            day=row["day"],
            name=row["name"],
            account_id=row["account_id"] or "",
            recipient=row["recipient"],
            subject=row["subject"],
            send_after=_when(row["send_after"]),
            invoice_keys=tuple(json.loads(row["invoice_keys"])),
            text=row["body"],
            notice_id=row["notice_id"] or "",
            segments=row["segments"],
            encoding=row["encoding"],
            has_pdf=bool(row["has_pdf"]),
            editable=bool(row["editable"]),
            edited_by=row["edited_by"],
            rejected_by=row["rejected_by"],
            rejected_at=_when(row["rejected_at"]),
            rejected_reason=row["rejected_reason"],
        )


def _when(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def read_row(label: str, item: StoredItem, signature: str) -> list[Any]:
    """The signature and `COLUMNS` of one entry, read from its file(s)."""
    values = _email(item) if label == "dunning" else _channel(item)
    note = rejection_note(item) if item.state == "rejected" else {}
    values |= {
        "rejected_by": note.get("by"),
        "rejected_at": note.get("at"),
        "rejected_reason": note.get("reason"),
    }
    return [signature, *(values.get(column) for column in COLUMNS)]


def _header(message: Message, name: str) -> str:
    """A header's text, encoded words decoded (`=?utf-8?q?...?=` -> the words)."""
    raw = message.get(name)
    return str(make_header(decode_header(raw))) if raw else ""


def _text_part(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return None


def _email(item: StoredItem) -> dict[str, Any]:
    # The legacy (compat32) parser: several times faster than policy.SMTP's header objects, and the
    # index reads every email the pipeline drafts.
    with item.path.open("rb") as handle:
        message = BytesParser(policy=compat32).parse(handle)
    [(_, address)] = getaddresses([_header(message, "To")]) or [("", "")]
    body = _text_part(message)
    escalation = "-escalation-" in item.name  # to a manager, not to the customer
    return {
        "kind": "escalation" if escalation else "email",
        "account_id": _header(message, ACCOUNT_HEADER) or None,
        "notice_id": _header(message, NOTICE_HEADER),
        "recipient": address or _header(message, "To"),
        "subject": _header(message, "Subject"),
        "send_after": _header(message, SEND_AFTER_HEADER) or None,
        "invoice_keys": json.dumps([k for k in _header(message, INVOICES_HEADER).split(",") if k]),
        "body": body or "",
        "has_pdf": 0,
        "editable": int(body is not None and not escalation),
        "edited_by": _header(message, EDITED_HEADER) or None,
    }


def _channel(item: StoredItem) -> dict[str, Any]:
    data = json.loads((item.path / "message.json").read_text(encoding="utf-8"))
    meta = data.get("meta", {})
    channel = data["channel"]
    return {
        "kind": channel,
        "account_id": str(meta["account_id"]) if meta.get("account_id") else None,
        "notice_id": str(meta.get("notice_id") or ""),
        "recipient": str(data["recipient"]),
        "subject": str(data["subject"]),
        "send_after": meta.get("send_after"),
        "invoice_keys": json.dumps([str(k) for k in meta.get("invoice_keys", [])]),
        "body": str(data["body"]),
        "segments": meta.get("segments"),
        "encoding": meta.get("encoding"),
        "has_pdf": int((item.path / "letter.pdf").exists()),
        "editable": int(channel == "sms" or LETTER_LAYOUT in meta),
        "edited_by": meta.get("edited_by"),
    }
