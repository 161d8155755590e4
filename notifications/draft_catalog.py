"""Every outreach message under `$LEDGERLOOP_HOME/outbox/`, whatever wrote it, as one list.

Director and alert emails wait in `outbox/`; customer dunning emails and escalations in
`outbox/dunning/email/`, SMS and letters in `outbox/dunning/{sms,letter}/`. Each entry says what
kind of message it is, its state, who receives it, which customer accounts and invoices it is
about, and every link it carries (so a test, or a person, can open them all).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from notifications.channels import ChannelOutbox
from notifications.draft_kinds import ACCOUNTS_HEADER, INVOICES_HEADER, email_kind, listed
from notifications.dunning_drafts import dunning_outboxes
from notifications.outbox import ACCOUNT_HEADER, Outbox

STATE_WORDS = {"drafts": "draft"}
"""Folder -> the state a person reads (`approved`, `sending`, `sent` are their own words)."""
_URL = re.compile(r"https?://[^\s<>\"']+")


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


def catalog(home: Path, states: Iterable[str]) -> list[CatalogEntry]:
    """Every message in `states` (folder names: drafts, approved, sending, sent), by kind, then
    oldest first."""
    wanted = list(states)
    found = [*_emails(Outbox(home / "outbox"), wanted, "", dunning=False)]
    boxes = dunning_outboxes(home)
    found.extend(_emails(boxes["dunning"], wanted, "dunning:", dunning=True))  # type: ignore[arg-type]
    for label in ("sms", "letter"):
        found.extend(_channel(boxes[label], label, wanted))  # type: ignore[arg-type]
    return sorted(found, key=lambda e: (_kind_order(e.kind), e.name.partition(":")[2] or e.name))


def _kind_order(kind: str) -> tuple[int, str]:
    order = ("director", "alert", "dunning_email", "dunning_sms", "dunning_letter", "escalation", "statement")
    return (order.index(kind), "") if kind in order else (len(order), kind)


def _emails(outbox: Outbox, states: list[str], label: str, *, dunning: bool) -> Iterator[CatalogEntry]:
    for state in states:
        for item in outbox.items(state):
            message = item.message()
            accounts = listed(message[ACCOUNTS_HEADER]) or listed(message[ACCOUNT_HEADER])
            yield CatalogEntry(
                path=item.path,
                kind=email_kind(message, item.name, dunning=dunning),
                state=STATE_WORDS.get(state, state),
                name=f"{label}{item.ident}",
                recipient=_address(message),
                subject=str(message["Subject"] or ""),
                account_ids=accounts,
                invoice_keys=listed(message[INVOICES_HEADER]),
                link_urls=links(message),
                to=str(message["To"] or ""),
            )


def _channel(outbox: ChannelOutbox, label: str, states: list[str]) -> Iterator[CatalogEntry]:
    for state in states:
        for item in outbox.items(state):
            message = item.message()
            meta = message.meta
            extra = f" [{meta.get('encoding')}, {meta.get('segments')} segment(s)]" if label == "sms" else ""
            recipient = " / ".join(meta.get("address_lines") or []) or message.recipient
            yield CatalogEntry(
                path=item.path,
                kind=f"dunning_{label}",
                state=STATE_WORDS.get(state, state),
                name=f"{label}:{item.ident}",
                recipient=recipient,
                subject=message.subject + extra,
                account_ids=(str(meta["account_id"]),) if meta.get("account_id") else (),
                invoice_keys=tuple(str(k) for k in meta.get("invoice_keys", [])),
                link_urls=tuple(dict.fromkeys(_URL.findall(message.body))),
                to=message.recipient if label == "sms" else recipient,
            )


def _address(message: EmailMessage) -> str:
    to = message["To"]
    addresses = getattr(to, "addresses", ()) if to is not None else ()
    return str(addresses[0].addr_spec) if addresses else str(to or "")


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(value for name, value in attrs if name == "href" and value)


def links(message: EmailMessage) -> tuple[str, ...]:
    """Every web address in an email: the HTML part's links and the text part's addresses."""
    found: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        content = part.get_content()
        if part.get_content_subtype() == "html":
            parser = _Hrefs()
            parser.feed(content)
            found.extend(u for u in parser.found if u.startswith(("http://", "https://")))
        else:
            found.extend(u.rstrip(".,;:)") for u in _URL.findall(content))
    return tuple(dict.fromkeys(found))

