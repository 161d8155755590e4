"""One dunning message as a person reviews it, and how it is read from its file into the index.

How an entry is read is its channel's (`notifications.channels`): an email is one `.eml`
(customer reminders, and escalations to managers); an SMS or a letter is a folder whose
`message.json` says everything but the letter's PDF, which is never read to list it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from notifications.channels import OutboxChannel, by_label
from notifications.folder_states import StoredItem, rejection_note

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
    """`<channel label>:<date>/<name>`: `dunning:...` (email), `sms:...`, `letter:...`."""
    state: str
    channel: str
    """The channel's name: email, sms, letter."""
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
            channel=_channel(row["channel"]).name,
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

    @property
    def outbox_channel(self) -> OutboxChannel:
        """Its channel (`notifications.channels`): what it is called, what a person edits of it."""
        return _channel(self.label.partition(":")[0])


def _channel(label: str) -> OutboxChannel:
    found = by_label(label)
    if found is None:
        raise KeyError(f"no dunning channel has the label {label!r}")
    return found


def _when(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def read_row(label: str, item: StoredItem, signature: str) -> list[Any]:
    """The signature and `COLUMNS` of one entry, read from its file(s) by its channel."""
    values = _channel(label).index_row(item)
    note = rejection_note(item) if item.state == "rejected" else {}
    values |= {
        "rejected_by": note.get("by"),
        "rejected_at": note.get("at"),
        "rejected_reason": note.get("reason"),
    }
    return [signature, *(values.get(column) for column in COLUMNS)]
