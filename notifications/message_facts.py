"""What a listing says of a message: who gets it, what it is about, every link it carries.

Director and alert emails and the dunning channels' drafts are listed together
(`notifications.draft_catalog`); the email reading here serves the director outbox and the dunning
email channel alike, `text_links` every message whose body is plain text.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

from notifications.draft_kinds import ACCOUNTS_HEADER, INVOICES_HEADER, email_kind, listed
from notifications.outbox import ACCOUNT_HEADER

URL = re.compile(r"https?://[^\s<>\"']+")


def email_facts(message: EmailMessage, name: str, *, dunning: bool,
                with_links: bool = True) -> dict[str, Any]:
    """The catalog's facts of one email (`dunning`: it sits in the dunning email outbox); without
    `with_links`, `message` may be its headers alone and no link is listed."""
    return {
        "kind": email_kind(message, name, dunning=dunning),
        "recipient": _address(message),
        "subject": str(message["Subject"] or ""),
        "account_ids": listed(message[ACCOUNTS_HEADER]) or listed(message[ACCOUNT_HEADER]),
        "invoice_keys": listed(message[INVOICES_HEADER]),
        "link_urls": links(message) if with_links else (),
        "to": str(message["To"] or ""),
    }


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
            found.extend(u.rstrip(".,;:)") for u in URL.findall(content))
    return tuple(dict.fromkeys(found))


def text_links(text: str) -> tuple[str, ...]:
    """Every web address in a plain text, once each, in order."""
    return tuple(dict.fromkeys(URL.findall(text)))
