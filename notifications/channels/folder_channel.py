"""What every channel whose message is a folder (`message.json`, a PDF beside it for a letter)
shares: reading it for the index and the catalog, what it is about, delivery through a gateway.
A channel of this kind says only what is its own: how its text is edited, and what else a
listing shows of it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from notifications.channels.message_folder import (
    ATTACHMENT,
    ChannelItem,
    ChannelMessage,
    ChannelOutbox,
    gateway_from_env,
)
from notifications.channels.registry import About, AccountAudit, Delivery, OutboxChannel
from notifications.folder_states import SendReport, StateWatcher
from notifications.message_facts import text_links


class FolderChannel(OutboxChannel):
    """A channel whose messages are folders in `outbox/dunning/<folder>/`, sent through a gateway."""

    def outbox(self, home, watcher: StateWatcher | None = None) -> ChannelOutbox:
        return ChannelOutbox(self.root(home), self.name, watcher=watcher)

    def editable(self, meta: dict[str, Any]) -> bool:
        """Whether a person may edit a drafted message with this meta data."""
        return True

    def listed_subject(self, message: ChannelMessage) -> str:
        """The subject `ledgerloop drafts list` shows."""
        return message.subject

    def index_row(self, item: ChannelItem) -> dict[str, Any]:
        data = json.loads(item.entry_file.read_text(encoding="utf-8"))
        meta = data.get("meta", {})
        return {
            "kind": data["channel"],
            "account_id": str(meta["account_id"]) if meta.get("account_id") else None,
            "notice_id": str(meta.get("notice_id") or ""),
            "recipient": str(data["recipient"]),
            "subject": str(data["subject"]),
            "send_after": meta.get("send_after"),
            "invoice_keys": json.dumps([str(k) for k in meta.get("invoice_keys", [])]),
            "body": str(data["body"]),
            "segments": meta.get("segments"),
            "encoding": meta.get("encoding"),
            "has_pdf": int((item.path / ATTACHMENT).exists()),
            "editable": int(self.editable(meta)),
            "edited_by": meta.get("edited_by"),
        }

    def catalog_facts(self, item: ChannelItem, *, with_links: bool = True) -> dict[str, Any]:
        message = item.message()
        meta = message.meta
        recipient = " / ".join(meta.get("address_lines") or []) or message.recipient
        return {
            "kind": self.kind,
            "recipient": recipient,
            "subject": self.listed_subject(message),
            "account_ids": (str(meta["account_id"]),) if meta.get("account_id") else (),
            "invoice_keys": tuple(str(k) for k in meta.get("invoice_keys", [])),
            "link_urls": text_links(message.body) if with_links else (),
            "to": recipient,
        }

    def about(self, item: ChannelItem) -> About | None:
        message = item.message()
        meta = message.meta
        if not meta.get("notice_id"):
            return None
        return About(
            notice_id=meta["notice_id"],
            account_id=meta["account_id"],
            invoice_keys=tuple(meta.get("invoice_keys", [])),
            channel=message.channel,
            subject=message.subject,
        )

    def current_parts(self, message: ChannelMessage) -> list[str]:
        return [message.body]

    def send(
        self, outbox: ChannelOutbox, delivery: Delivery, actor: str, audit: AccountAudit, now: dt.datetime
    ) -> SendReport:
        gateway = delivery.gateways.get(self.label) or gateway_from_env(
            self.name, delivery.home, outbox.root / "dispatch"
        )
        return outbox.send(gateway, actor, audit, now=now)
