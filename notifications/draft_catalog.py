"""Every outreach message under `$LEDGERLOOP_HOME/outbox/`, whatever wrote it, as one list.

Director and alert emails wait in `outbox/`; the dunning channels' messages each in their
channel's folder under `outbox/dunning/` (`notifications.channels`: customer emails and
escalations in `email/`, SMS in `sms/`, letters in `letter/`). Each entry says what kind of message
it is, its state, who receives it, which customer accounts and invoices it is about, and every link
it carries (so a test, or a person, can open them all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from notifications.channels import outbox_channels
from notifications.dunning_drafts import dunning_outboxes
from notifications.folder_states import FolderStates
from notifications.message_facts import email_facts
from notifications.outbox import Outbox, OutboxItem

STATE_WORDS = {"drafts": "draft"}
"""Folder -> the state a person reads (`approved`, `sending`, `sent` are their own words)."""


@dataclass(frozen=True)
class CatalogEntry:
    path: Path
    kind: str
    """director | alert | dunning_email | dunning_sms | dunning_letter | escalation | statement"""
    state: str
    """draft | approved | sending (delivery interrupted: check before sending again) | sent | rejected"""
    name: str
    """What `ledgerloop drafts approve` takes: `<date>/<name>`, `dunning:...`, `sms:...`, `letter:...`."""
    recipient: str
    subject: str
    account_ids: tuple[str, ...]
    invoice_keys: tuple[str, ...]
    link_urls: tuple[str, ...]
    to: str = ""
    """The recipient as a person reads it (`Dana Diaz <dana@example.com>`)."""

    def as_json(self) -> dict:
        return {
            "path": str(self.path),
            "kind": self.kind,
            "state": self.state,
            "name": self.name,
            "recipient": self.recipient,
            "subject": self.subject,
            "account_ids": list(self.account_ids),
            "invoice_keys": list(self.invoice_keys),
            "link_urls": list(self.link_urls),
        }


def catalog(home: Path, states: Iterable[str], *, with_links: bool = True) -> list[CatalogEntry]:
    """Every message in `states` (folder names: drafts, approved, sending, sent), by kind, then
    oldest first. Without `with_links` no entry lists links and an email's body is not read,
    which makes a listing several times faster."""
    wanted = list(states)
    emails = partial(_director_or_alert, with_links=with_links)
    found = [*_entries(Outbox(home / "outbox"), wanted, "", emails)]
    boxes = dunning_outboxes(home)
    for channel in outbox_channels():
        facts = partial(channel.catalog_facts, with_links=with_links)
        found.extend(_entries(boxes[channel.label], wanted, f"{channel.label}:", facts))
    order = _kind_order()
    return sorted(found, key=lambda e: (order(e.kind), e.name.partition(":")[2] or e.name))


def _director_or_alert(item: OutboxItem, *, with_links: bool) -> dict[str, Any]:
    message = item.message() if with_links else item.headers()
    return email_facts(message, item.name, dunning=False, with_links=with_links)


def _kind_order() -> Callable[[str], tuple[int, str]]:
    """Director and alert emails first, then the channels' notices as registered, escalations,
    statements; a kind none of them is goes last, by name."""
    order = ("director", "alert", *(c.kind for c in outbox_channels()), "escalation", "statement")
    return lambda kind: (order.index(kind), "") if kind in order else (len(order), kind)


def _entries(
    outbox: FolderStates, states: list[str], prefix: str, facts: Callable[[Any], dict[str, Any]]
) -> Iterator[CatalogEntry]:
    for state in states:
        for item in outbox.items(state):
            name = f"{prefix}{item.ident}"
            yield CatalogEntry(path=item.path, state=STATE_WORDS.get(state, state), name=name, **facts(item))
