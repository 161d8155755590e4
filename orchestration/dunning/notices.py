"""What every notice says, whatever its channel: its stable id and file name, its invoices and
totals, the template context a channel renders it with (`orchestration.dunning.channels`); and
the escalation email to managers. Pure: nothing here writes a file."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache

from jinja2 import Environment

from notifications.draft_kinds import INVOICES_HEADER, KIND_HEADER, NOTICE_HEADER
from notifications.outbox import ACCOUNT_HEADER
from notifications.render import money, template_environment
from orchestration.dunning.model import Escalation, Notice, OpenInvoice
from orchestration.policy.dunning import Dunning

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
REASON_LABELS = {
    "no_response": "long past due, no response since the last reminder",
    "broken_promise": "a promise to pay was broken",
}


@cache
def environment() -> Environment:
    """The templates every notice renders with (`notifications/templates/`)."""
    return template_environment()


def one_line(text: str) -> str:
    """Header values and SMS texts stay on one line, without control characters."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def notice_id(account_id: str, channel: str, run_on: dt.date, parts: list[str]) -> str:
    """Stable id of a notice: the same decision on a re-run gives the same id (and file name)."""
    text = "|".join([account_id, channel, run_on.isoformat(), *sorted(parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def notice_name(account_id: str, channel: str, ident: str) -> str:
    readable = re.sub(r"[^a-z0-9]+", "_", account_id.lower()).strip("_")[:40] or "account"
    return f"dunning-{readable}-{channel.replace('_', '-')}-{ident[:10]}"


def id_of(notice: Notice) -> str:
    return notice_id(
        notice.account.account_id,
        notice.channel,
        notice.local_day,
        [f"{i.invoice.invoice_key}:{i.step_index}" for i in notice.items],
    )


def _rows(invoices: list[OpenInvoice], as_of: dt.date) -> list[dict]:
    return [
        {
            "invoice_number": i.invoice_number,
            "project": i.project,
            "currency": i.currency,
            "amount": i.amount,
            "balance": i.balance,
            "due_date": i.due_date,
            "days_past_due": i.days_past_due(as_of),
        }
        for i in invoices
    ]


def _totals(invoices: list[OpenInvoice]) -> list[dict]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        totals[invoice.currency or ""] += invoice.balance
    return [{"currency": c or None, "amount": a} for c, a in sorted(totals.items())]


def open_balance_text(invoices: list[OpenInvoice]) -> str:
    return "; ".join(money(t["amount"], t["currency"]) for t in _totals(invoices))


def notice_context(notice: Notice, dunning: Dunning, as_of: dt.date) -> dict:
    """What a notice's templates are rendered with."""
    account = notice.account
    invoices = [item.invoice for item in notice.items]
    name = one_line(account.contact.contact_name or "")
    return {
        "account_name": one_line(account.account_name),
        "account_id": account.account_id,
        "greeting_name": name or "Sir or Madam",
        "invoices": _rows(invoices, as_of),
        "totals": _totals(invoices),
        "sender": dunning.sender(account.office),
        "terms_days": dunning.payment_terms.days_for(account.contact.customer_type),
        "tone": notice.lead.step.tone,
        "step_name": notice.lead.step.name,
        "reminded_before": any(item.reminded_before for item in notice.items),
        "segment": notice.segment,
        "as_of": as_of,
        "portal_url": account.portal_url,
    }


def notice_meta(notice: Notice) -> dict:
    """What a message kept as a folder (SMS, letter) says of its notice, beside its text."""
    return {
        "account_id": notice.account.account_id,
        "notice_id": id_of(notice),
        "send_after": notice.scheduled_at.isoformat(),
        "step": notice.lead.step.name,
        "invoice_keys": [i.invoice.invoice_key for i in notice.items],
    }


def escalation_id(escalation: Escalation) -> str:
    return hashlib.sha256(escalation.key.encode()).hexdigest()[:16]


def render_escalation(
    escalation: Escalation,
    manager_name: str,
    manager_email: str,
    dunning: Dunning,
    as_of: dt.date,
    now: dt.datetime,
) -> EmailMessage:
    """The email that hands an account to a manager (internal: no sending window, no contact cap)."""
    env = environment()
    account = escalation.account
    template = dunning.escalation.template
    sender = dunning.sender(account.office)
    context = {
        "greeting_name": one_line(manager_name).split(" ")[0] or "colleague",
        "account_name": one_line(account.account_name),
        "account_id": account.account_id,
        "office": account.office or "-",
        "collector": account.collector,
        "reason_label": REASON_LABELS.get(escalation.reason, escalation.reason),
        "detail": escalation.detail,
        "invoices": _rows(list(escalation.invoices), as_of),
        "totals": _totals(list(escalation.invoices)),
        "sender": sender,
    }
    subject = one_line(env.get_template(f"email/dunning/{template}.subject.txt.jinja2").render(context))
    context["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.name, addr_spec=sender.email)
    message["To"] = Address(display_name=one_line(manager_name), addr_spec=manager_email)
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = "escalation"
    message[ACCOUNT_HEADER] = account.account_id
    message[NOTICE_HEADER] = escalation_id(escalation)
    message[INVOICES_HEADER] = ",".join(i.invoice_key for i in escalation.invoices)
    message.set_content(env.get_template(f"email/dunning/{template}.txt.jinja2").render(context))
    message.add_alternative(
        env.get_template(f"email/dunning/{template}.html.jinja2").render(context), subtype="html"
    )
    return message
