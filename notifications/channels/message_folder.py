"""Message-folder outboxes (SMS, letters): drafts wait for approval, delivery goes through a gateway once.

Each message is a folder (`message.json`, and `letter.pdf` for letters) whose state is the
folder it sits in, with the email outbox's state machine (`notifications.folder_states`):
`drafts/<date>/<name>/` -> `approved/` -> `sending/` -> `sent/`. A message moves to `sending/`
before the gateway sees it, so a crash mid-way leaves it there and a later `send` reports it as
uncertain instead of delivering it twice.

Delivery is pluggable: a `Gateway` takes one message and returns its reference. The default
`FileGateway` writes what would be handed over into a dispatch folder (a print shop's hot folder,
an SMS tool's pick-up directory); an SMS provider's HTTP API is one small class implementing
`deliver`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from notifications.folder_states import FolderStates, OutboxError, SendReport, StateWatcher, StoredItem

AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, account_id=...): the portal store's `audit`, or a list's append."""

@dataclass(frozen=True)
class ChannelMessage:
    """One SMS or letter: `recipient` a phone number or the address block's first line."""

    channel: str
    recipient: str
    subject: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    """account_id, notice_id, send_after (ISO UTC), segments, address lines ..."""
    attachment: bytes | None = None
    """The printable PDF of a letter."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "channel": self.channel,
                "recipient": self.recipient,
                "subject": self.subject,
                "body": self.body,
                "meta": self.meta,
            },
            indent=2,
            sort_keys=True,
            default=str,
        )


ATTACHMENT = "letter.pdf"


@dataclass(frozen=True)
class ChannelItem(StoredItem):
    """One SMS or letter: `path` is the message's folder."""

    @property
    def entry_file(self) -> Path:
        return self.path / "message.json"

    def message(self) -> ChannelMessage:
        data = json.loads((self.path / "message.json").read_text(encoding="utf-8"))
        attachment = self.path / ATTACHMENT
        return ChannelMessage(
            data["channel"],
            data["recipient"],
            data["subject"],
            data["body"],
            data.get("meta", {}),
            attachment.read_bytes() if attachment.exists() else None,
        )


ChannelSendReport = SendReport[ChannelItem]


class GatewayRefused(RuntimeError):
    """The gateway did not accept the message; it stays approved and may be sent again."""


class Gateway(Protocol):
    def deliver(self, item: ChannelItem, message: ChannelMessage) -> str:
        """Hand one message over; return the gateway's reference for it, or raise GatewayRefused."""
        ...


class FileGateway:
    """Writes each message into `folder/<date>/` for another system to pick up (the default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, item: ChannelItem, message: ChannelMessage) -> str:
        target = self.folder / item.day
        target.mkdir(parents=True, exist_ok=True)
        if message.attachment is not None:
            path = target / f"{item.name}.pdf"
            path.write_bytes(message.attachment)
        else:
            path = target / f"{item.name}.txt"
            path.write_text(f"To: {message.recipient}\n\n{message.body}\n", encoding="utf-8")
        (target / f"{item.name}.json").write_text(message.to_json(), encoding="utf-8")
        return str(path)


def gateway_from_env(
    channel: str, home: Path, dispatch: Path, environ: Mapping[str, str] | None = None
) -> Gateway:
    """`LEDGERLOOP_<CHANNEL>_GATEWAY=package.module:factory` (called with the home folder), else the
    file gateway writing to `dispatch` (the channel's `dispatch/` folder)."""
    env = os.environ if environ is None else environ
    variable = f"LEDGERLOOP_{channel.upper()}_GATEWAY"
    spec = env.get(variable)
    if not spec:
        return FileGateway(dispatch)
    module, _, factory = spec.partition(":")
    if not factory:
        raise OutboxError(f"{variable} must be 'package.module:factory', got {spec!r}")
    return getattr(importlib.import_module(module), factory)(home)


def _send_after(item: ChannelItem) -> dt.datetime | None:
    value = item.message().meta.get("send_after")
    return dt.datetime.fromisoformat(value) if value else None


class ChannelOutbox(FolderStates[ChannelItem]):
    """`outbox/.../<channel>/` under `$LEDGERLOOP_HOME`, for SMS or letters: one folder per message."""

    def __init__(self, root: Path, channel: str, watcher: StateWatcher | None = None) -> None:
        super().__init__(root, ChannelItem, marker="message.json", watcher=watcher)
        self.channel = channel

    def write_draft(self, day: str, name: str, message: ChannelMessage) -> Path | None:
        """Write a draft; None when a message of this name and day is already approved or sent."""
        return self._write_draft(day, name, lambda path, durable: _write_folder(path, message, durable))

    def rewrite_draft(self, ident: str, message: ChannelMessage) -> Path | None:
        """Replace a waiting draft (`<date>/<name>`) with a person's edit; None when it is no longer one."""
        day, _, name = ident.partition("/")
        return self._write_draft(
            day, name, lambda path, durable: _write_folder(path, message, durable), replace_only=True
        )

    def reject(self, ident: str, note: dict[str, str], audit: AccountAudit) -> ChannelItem | None:
        """Move a draft to rejected/ with who, when and why; None when it is no longer a draft."""

        def rejected(item: ChannelItem) -> None:
            self._audit(audit, note.get("by", ""), "rejected", item.message(), f": {note.get('reason', '')}")

        return self._reject(ident, note, rejected)

    def approve(self, idents: list[str], actor: str, audit: AccountAudit) -> list[ChannelItem]:
        """Move the named drafts (`<date>/<name>`) to approved; an unknown name is an error."""

        def approved(item: ChannelItem) -> None:
            self._audit(audit, actor, "approved", item.message(), "")

        return self._approve(idents, f"{self.channel} draft", approved)

    def send(
        self, gateway: Gateway, actor: str, audit: AccountAudit, now: dt.datetime | None = None
    ) -> ChannelSendReport:
        """Deliver every approved message once (those scheduled after `now` wait); report
        refusals and earlier uncertain sends."""

        @contextmanager
        def delivery() -> Iterator[Callable[[ChannelItem, ChannelMessage], str]]:
            yield gateway.deliver

        def refused(item: ChannelItem, message: ChannelMessage, exc: Exception) -> None:
            self._audit(audit, actor, "refused", message, f": {exc}")

        def sent(item: ChannelItem, message: ChannelMessage, reference: str) -> None:
            self._audit(audit, actor, "sent", message, f" -> {reference}")

        return self._send(now, _send_after, delivery, GatewayRefused, refused, sent)

    def _audit(
        self, audit: AccountAudit, actor: str, step: str, message: ChannelMessage, outcome: str
    ) -> None:
        audit(
            actor,
            f"{self.channel}.{step}",
            message.recipient,
            f"{_detail(message)}{outcome}",
            account_id=message.meta.get("account_id"),
        )


def _write_folder(path: Path, message: ChannelMessage, durable: bool) -> None:
    """The message's folder, complete, renamed into place (a reader never sees half of it)."""
    temporary = path.with_name(f".{path.name}.tmp")
    if temporary.exists():
        shutil.rmtree(temporary)
    temporary.mkdir(mode=0o700, parents=True)
    _write(temporary / "message.json", message.to_json().encode("utf-8"), durable)
    if message.attachment is not None:
        _write(temporary / ATTACHMENT, message.attachment, durable)
    if path.exists():
        shutil.rmtree(path)
    os.rename(temporary, path)


def _detail(message: ChannelMessage) -> str:
    return str(message.meta.get("notice_id") or message.subject)


def _write(path: Path, content: bytes, durable: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        if durable:  # else the outbox's bulk() syncs it with the rest
            os.fsync(fd)
