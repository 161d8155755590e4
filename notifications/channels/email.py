"""The email channel: customer reminders as `.eml` files (HTML and text), delivered over SMTP.

Its outbox, `outbox/dunning/email/`, also holds the escalation emails to managers (`-escalation-`
in the name): they are listed, approved and sent with the reminders, but they are no customer
dunning, so the drafts pages leave them out and a withdrawal never touches them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses
from functools import cache
from typing import Any

from jinja2 import Environment

from notifications.channels.registry import About, AccountAudit, Delivery, OutboxChannel
from notifications.draft_kinds import EDITED_HEADER, INVOICES_HEADER, NOTICE_HEADER, listed
from notifications.folder_states import SendReport, StateWatcher, StoredItem
from notifications.message_facts import email_facts
from notifications.outbox import ACCOUNT_HEADER, SEND_AFTER_HEADER, Outbox
from notifications.render import template_environment

ESCALATION_MARK = "-escalation-"
"""In the file name of an escalation email (to a manager, not to the customer)."""
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version", EDITED_HEADER.lower()}


@cache
def _environment() -> Environment:
    return template_environment()


class EmailChannel(OutboxChannel):
    name = "email"
    title = "Email"
    template_files = ("subject.txt.jinja2", "txt.jinja2", "html.jinja2")
    sent_as = "email sent"
    label = "dunning"
    folder = "email"
    uses_smtp = True
    edit_note = "The email is sent with exactly this text (and the same words as simple HTML)."

    def outbox(self, home, watcher: StateWatcher | None = None) -> Outbox:
        return Outbox(self.root(home), watcher=watcher)

    def index_row(self, item: StoredItem) -> dict[str, Any]:
        # The legacy (compat32) parser: several times faster than policy.SMTP's header objects, and
        # the index reads every email the pipeline drafts.
        with item.path.open("rb") as handle:
            message = BytesParser(policy=compat32).parse(handle)
        [(_, address)] = getaddresses([_header(message, "To")]) or [("", "")]
        body = _text_part(message)
        escalation = ESCALATION_MARK in item.name
        return {
            "kind": "escalation" if escalation else self.name,
            "account_id": _header(message, ACCOUNT_HEADER) or None,
            "notice_id": _header(message, NOTICE_HEADER),
            "recipient": address or _header(message, "To"),
            "subject": _header(message, "Subject"),
            "send_after": _header(message, SEND_AFTER_HEADER) or None,
            "invoice_keys": json.dumps(list(listed(_header(message, INVOICES_HEADER)))),
            "body": body or "",
            "has_pdf": 0,
            "editable": int(body is not None and not escalation),
            "edited_by": _header(message, EDITED_HEADER) or None,
        }

    def catalog_facts(self, item: StoredItem, *, with_links: bool = True) -> dict[str, Any]:
        message = item.message() if with_links else item.headers()  # type: ignore[attr-defined]
        return email_facts(message, item.name, dunning=True, with_links=with_links)

    def about(self, item: StoredItem) -> About | None:
        message = item.headers()  # type: ignore[attr-defined]
        notice = message[NOTICE_HEADER]
        if not notice:
            return None
        escalation = ESCALATION_MARK in item.name
        return About(
            notice_id=str(notice),
            account_id=str(message[ACCOUNT_HEADER]),
            invoice_keys=listed(message[INVOICES_HEADER]),
            channel="escalation" if escalation else self.name,
            subject=str(message["Subject"]),
            to_customer=not escalation,
        )

    def current_parts(self, message: EmailMessage) -> list[str]:
        body = message.get_body(preferencelist=("plain",))
        return [body.get_content() if body is not None else ""]

    def edited(self, message: EmailMessage, parts: list[str], actor: str) -> EmailMessage:
        """The same headers (recipient, schedule, account, invoices), the edited text as the text
        part and the same words as simple HTML (the template's layout would still say the old words)."""
        text = parts[0]
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

    def send(
        self, outbox: Outbox, delivery: Delivery, actor: str, audit: AccountAudit, now: dt.datetime
    ) -> SendReport | None:
        if delivery.smtp is None:
            return None
        return outbox.send(delivery.smtp, actor, audit, now=now)


EMAIL = EmailChannel()


_FOLD = re.compile(r"\r?\n(?=[ \t])")
"""A line break that folds a header (RFC 5322 2.2.3): unfolding removes it and keeps the blank."""


def _header(message: Message, name: str) -> str:
    """A header's text, unfolded (a long header is written over several lines, and the legacy
    parser keeps its line breaks) and encoded words decoded (`=?utf-8?q?...?=` -> the words)."""
    raw = message.get(name)
    return str(make_header(decode_header(_FOLD.sub("", str(raw))))).strip() if raw else ""


def _text_part(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return None
