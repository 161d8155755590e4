"""Drafting the email channel: the customer email of a notice, HTML and text parts, scheduled
for its sending window."""

from __future__ import annotations

import datetime as dt
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from notifications.channels.email import EMAIL
from notifications.draft_kinds import INVOICES_HEADER, KIND_HEADER, NOTICE_HEADER
from notifications.outbox import ACCOUNT_HEADER, SEND_AFTER_HEADER
from orchestration.dunning.channels.registry import Clean, OutboxDrafter
from orchestration.dunning.model import Contact, Notice
from orchestration.dunning.notices import environment, id_of, notice_context, one_line
from orchestration.policy.dunning import Dunning, Sender


def render_email(notice: Notice, dunning: Dunning, as_of: dt.date) -> EmailMessage:
    """The customer email of a notice: HTML and text parts, scheduled for its sending window."""
    env = environment()
    template = notice.lead.step.template
    context = notice_context(notice, dunning, as_of)
    sender: Sender = context["sender"]
    subject = one_line(env.get_template(f"email/dunning/{template}.subject.txt.jinja2").render(context))
    context["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.name, addr_spec=sender.email)
    message["To"] = Address(
        display_name=one_line(notice.account.contact.contact_name or ""),
        addr_spec=(notice.account.contact.email or "").strip(),
    )
    message["Date"] = format_datetime(notice.scheduled_at)
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = EMAIL.kind
    message[ACCOUNT_HEADER] = notice.account.account_id
    message[SEND_AFTER_HEADER] = notice.scheduled_at.isoformat()
    message[NOTICE_HEADER] = id_of(notice)
    message[INVOICES_HEADER] = ",".join(i.invoice.invoice_key for i in notice.items)
    message.set_content(env.get_template(f"email/dunning/{template}.txt.jinja2").render(context))
    message.add_alternative(
        env.get_template(f"email/dunning/{template}.html.jinja2").render(context), subtype="html"
    )
    return message


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
"""A plain dot-atom address (`ann.archer+ar@acme.example`), always one valid address: anything
else goes to the email package's full parser, which took ~1.2 s of a run at 1M invoices when
every account's address went through it."""


def _one_address(email: str) -> bool:
    """True for one plain address (no line break, no list): the To header is built from it."""
    email = email.strip()
    if _PLAIN_ADDRESS.fullmatch(email):
        return True
    try:
        Address(addr_spec=email)
    except ValueError:
        return False
    return True


class EmailDrafter(OutboxDrafter):
    channel = EMAIL
    weight = 1

    def address_problem(self, contact: Contact) -> str | None:
        if not contact.email:
            return "no_email"
        return None if _one_address(contact.email) else "bad_email"

    def render(self, notice: Notice, dunning: Dunning, as_of: dt.date) -> EmailMessage:
        return render_email(notice, dunning, as_of)

    def recorded(self, notice: Notice, message: EmailMessage) -> tuple[str | None, str]:
        return notice.account.contact.email, str(message["Subject"])

    def preview(self, notice: Notice, dunning: Dunning, as_of: dt.date, clean: Clean) -> str:
        message = render_email(notice, dunning, as_of)
        return f'to {clean(message["To"])}: "{clean(message["Subject"])}"'
