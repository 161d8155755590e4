"""Dunning drafts as orchestration/dunning/drafting.py writes them: a customer email (.eml with the
account, notice, invoices and send-after headers), an SMS and a letter with its PDF."""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from notifications.channels.message_folder import ChannelMessage
from notifications.channels.sms import sms_size
from notifications.dunning_drafts import INVOICES_HEADER, dunning_outboxes
from notifications.letter_layout import layout_pdf, layout_text
from notifications.outbox import ACCOUNT_HEADER, SEND_AFTER_HEADER
from notifications.pdf import PdfDocument, render_pdf

DAY = "2026-11-24"
SEND_AFTER = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)


def _meta(account_id: str, invoice_keys: list[str], notice: str) -> dict:
    return {
        "account_id": account_id,
        "notice_id": notice,
        "send_after": SEND_AFTER.isoformat(),
        "step": "first_reminder",
        "invoice_keys": invoice_keys,
    }


def write_email(
    home: Path,
    account_id: str,
    invoice_keys: list[str],
    *,
    name: str | None = None,
    subject: str = "Reminder: invoices past due",
    text: str = "Dear customer,\nplease pay the invoices below.\n",
    to: str = "ap@customer.example.com",
) -> str:
    """Write one customer email draft; its labelled name (`dunning:<date>/<name>`)."""
    name = name or f"dunning-{account_id.lower()}-email-0123456789"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name="Acme Collections", addr_spec="collections@example.com")
    message["To"] = Address(display_name="Accounts Payable", addr_spec=to)
    message["Date"] = format_datetime(SEND_AFTER)
    message["Message-ID"] = make_msgid(domain="example.com")
    message["Auto-Submitted"] = "auto-generated"
    message[ACCOUNT_HEADER] = account_id
    message[SEND_AFTER_HEADER] = SEND_AFTER.isoformat()
    message["X-Ledgerloop-Notice"] = f"notice-{name}"[:24]
    message[INVOICES_HEADER] = ",".join(invoice_keys)
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    assert dunning_outboxes(home)["dunning"].write_draft(DAY, name, message) is not None
    return f"dunning:{DAY}/{name}"


def write_sms(
    home: Path, account_id: str, invoice_keys: list[str], *, text: str = "Acme: 2 invoices are past due."
) -> str:
    """Write one SMS draft with its segment count; its labelled name (`sms:<date>/<name>`)."""
    name = f"dunning-{account_id.lower()}-sms-0123456789"
    size = sms_size(text)
    meta = {**_meta(account_id, invoice_keys, name), "encoding": size.encoding, "segments": size.segments}
    message = ChannelMessage("sms", "+15550100", f"SMS to {account_id}", text, meta)
    assert dunning_outboxes(home)["sms"].write_draft(DAY, name, message) is not None
    return f"sms:{DAY}/{name}"


def letter_pdf_bytes(account_id: str) -> bytes:
    return render_pdf(
        PdfDocument(
            title=f"Payment reminder: {account_id}",
            sender_lines=["Acme Collections", "1 Main Street"],
            recipient_lines=["Accounts Payable", account_id, "2 Side Road"],
            date_line="24 November 2026",
            blocks=["Please pay the invoices past due."],
        )
    )


def letter_layout(account_id: str) -> dict:
    """A letter's layout as orchestration/dunning/notices.py keeps it (what an edit prints again)."""
    return {
        "title": f"Payment reminder: {account_id}",
        "sender_lines": ["Acme Collections", "1 Main Street"],
        "recipient_lines": ["Accounts Payable", account_id, "2 Side Road"],
        "date_line": "24 November 2026",
        "table": {
            "headers": ["Invoice", "Open balance"],
            "rows": [["INV-102", "USD 500.25"]],
            "align": ["L", "R"],
            "footer": ["Total", "USD 500.25"],
        },
        "before": "Dear Accounts Payable,\n\nThe invoices below are past due.",
        "after": "Please pay within 7 days.\n\nYours sincerely,\nAcme Collections",
        "invoice_lines": "INV-102  USD 500.25",
    }


def write_letter(
    home: Path,
    account_id: str,
    invoice_keys: list[str],
    *,
    subject: str | None = None,
    editable: bool = False,
) -> str:
    """Write one letter draft with its PDF; its labelled name (`letter:<date>/<name>`). With
    `editable`, the letter keeps its layout as the pipeline now writes it; without, it is a letter
    drafted before letters could be edited."""
    name = f"dunning-{account_id.lower()}-letter-0123456789"
    meta = {**_meta(account_id, invoice_keys, name), "address_lines": ["Accounts Payable", "2 Side Road"]}
    text, pdf = "Please pay the invoices past due.", letter_pdf_bytes(account_id)
    if editable:
        meta["letter_layout"] = layout = letter_layout(account_id)
        text, pdf = layout_text(layout), layout_pdf(layout)
    message = ChannelMessage(
        "letter", "Accounts Payable", subject or f"Payment reminder: {account_id}", text, meta, pdf
    )
    assert dunning_outboxes(home)["letter"].write_draft(DAY, name, message) is not None
    return f"letter:{DAY}/{name}"
