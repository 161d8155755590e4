"""Render the day's notices: email (HTML + text), SMS (with its segment count), letters (PDF),
call tasks, and the escalation emails to managers. Pure: nothing here writes a file."""

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

from notifications.channels import ChannelMessage, sms_size
from notifications.draft_kinds import KIND_HEADER
from notifications.draft_rows import INVOICES_HEADER, LETTER_LAYOUT, NOTICE_HEADER
from notifications.letter_layout import layout_pdf
from notifications.outbox import ACCOUNT_HEADER, SEND_AFTER_HEADER
from notifications.render import money, template_environment
from orchestration.dunning.selection import Escalation, Notice, OpenInvoice
from orchestration.policy.dunning import Dunning, Sender

INVOICES_MARK = "[[invoices]]"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
REASON_LABELS = {
    "no_response": "long past due, no response since the last reminder",
    "broken_promise": "a promise to pay was broken",
}


@cache
def _environment() -> Environment:
    return template_environment()


def _one_line(text: str) -> str:
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


def _context(notice: Notice, dunning: Dunning, as_of: dt.date) -> dict:
    account = notice.account
    invoices = [item.invoice for item in notice.items]
    name = _one_line(account.contact.contact_name or "")
    return {
        "account_name": _one_line(account.account_name),
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
    }


def render_email(notice: Notice, dunning: Dunning, as_of: dt.date) -> EmailMessage:
    """The customer email of a notice: HTML and text parts, scheduled for its sending window."""
    env = _environment()
    template = notice.lead.step.template
    context = _context(notice, dunning, as_of)
    sender: Sender = context["sender"]
    subject = _one_line(env.get_template(f"email/dunning/{template}.subject.txt.jinja2").render(context))
    context["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.name, addr_spec=sender.email)
    message["To"] = Address(
        display_name=_one_line(notice.account.contact.contact_name or ""),
        addr_spec=(notice.account.contact.email or "").strip(),
    )
    message["Date"] = format_datetime(notice.scheduled_at)
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = "dunning_email"
    message[ACCOUNT_HEADER] = notice.account.account_id
    message[SEND_AFTER_HEADER] = notice.scheduled_at.isoformat()
    message[NOTICE_HEADER] = id_of(notice)
    message[INVOICES_HEADER] = ",".join(i.invoice.invoice_key for i in notice.items)
    message.set_content(env.get_template(f"email/dunning/{template}.txt.jinja2").render(context))
    message.add_alternative(
        env.get_template(f"email/dunning/{template}.html.jinja2").render(context), subtype="html"
    )
    return message


def _meta(notice: Notice) -> dict:
    return {
        "account_id": notice.account.account_id,
        "notice_id": id_of(notice),
        "send_after": notice.scheduled_at.isoformat(),
        "step": notice.lead.step.name,
        "invoice_keys": [i.invoice.invoice_key for i in notice.items],
    }


def render_sms(notice: Notice, dunning: Dunning, as_of: dt.date) -> ChannelMessage:
    """The SMS text of a notice, with its encoding and segment count."""
    context = _context(notice, dunning, as_of)
    text = _one_line(
        _environment().get_template(f"sms/dunning/{notice.lead.step.template}.txt.jinja2").render(context)
    )
    size = sms_size(text)
    meta = {
        **_meta(notice),
        "encoding": size.encoding,
        "segments": size.segments,
        "units": size.units,
        "sender": context["sender"].sms_sender,
    }
    return ChannelMessage(
        "sms", notice.account.contact.phone or "", f"SMS to {notice.account.account_name}", text, meta
    )


def render_letter(notice: Notice, dunning: Dunning, as_of: dt.date) -> ChannelMessage:
    """A printable PDF letter (sender block, address window, invoice table with totals); its layout
    is kept with it so an edited text can be printed again (`notifications.letter_layout`)."""
    context = _context(notice, dunning, as_of)
    sender: Sender = context["sender"]
    text = (
        _environment().get_template(f"letter/dunning/{notice.lead.step.template}.txt.jinja2").render(context)
    )
    before, _, after = text.partition(INVOICES_MARK)
    invoices = [item.invoice for item in notice.items]
    table = {
        "headers": ["Invoice", "Project", "Due date", "Days past due", "Open balance"],
        "rows": [
            [
                i.invoice_number,
                i.project or "",
                i.due_date.isoformat(),
                str(max(i.days_past_due(as_of), 0)),
                money(i.balance, i.currency),
            ]
            for i in invoices
        ],
        "align": ["L", "L", "L", "R", "R"],
        "footer": ["Total", "", "", "", open_balance_text(invoices)],
    }
    contact = notice.account.contact
    recipient = [line for line in [contact.contact_name, notice.account.account_name] if line]
    recipient.extend(contact.address_lines)
    title = "Final demand" if notice.lead.step.tone == "final" else "Payment reminder"
    invoice_lines = "\n".join(f"{i.invoice_number}  {money(i.balance, i.currency)}" for i in invoices)
    layout = {
        "title": f"{title}: {notice.account.account_name}",
        "sender_lines": list(sender.letter_lines),
        "recipient_lines": recipient,
        "date_line": notice.local_day.strftime("%d %B %Y"),
        "table": table,
        "before": before.strip(),
        "after": after.strip(),
        "invoice_lines": invoice_lines,
    }
    return ChannelMessage(
        "letter",
        recipient[0],
        layout["title"],
        text.replace(INVOICES_MARK, invoice_lines),
        {**_meta(notice), "address_lines": recipient, LETTER_LAYOUT: layout},
        layout_pdf(layout),
    )


def call_task_row(notice: Notice, team, as_of: dt.date) -> dict:
    """A row of outreach.dunning_call_tasks for the collector's worklist."""
    account = notice.account
    invoices = [item.invoice for item in notice.items]
    return {
        "task_id": id_of(notice),
        "kind": "dunning_call",
        "account_id": account.account_id,
        "account_name": account.account_name,
        "assignee": account.collector,
        "assignee_email": team.collector_email(account.collector) if account.collector else None,
        "task": notice.lead.step.task,
        "invoice_keys": ",".join(i.invoice_key for i in invoices),
        "open_balance": open_balance_text(invoices),
        "phone": account.contact.phone,
        "due_on": notice.local_day,
        "created_on": as_of,
        "notice_id": id_of(notice),
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
    env = _environment()
    account = escalation.account
    template = dunning.escalation.template
    sender = dunning.sender(account.office)
    context = {
        "greeting_name": _one_line(manager_name).split(" ")[0] or "colleague",
        "account_name": _one_line(account.account_name),
        "account_id": account.account_id,
        "office": account.office or "-",
        "collector": account.collector,
        "reason_label": REASON_LABELS.get(escalation.reason, escalation.reason),
        "detail": escalation.detail,
        "invoices": _rows(list(escalation.invoices), as_of),
        "totals": _totals(list(escalation.invoices)),
        "sender": sender,
    }
    subject = _one_line(env.get_template(f"email/dunning/{template}.subject.txt.jinja2").render(context))
    context["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.name, addr_spec=sender.email)
    message["To"] = Address(display_name=_one_line(manager_name), addr_spec=manager_email)
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
