"""Drafting the letter channel: a printable PDF (sender block, address window, invoice table with
totals), its layout kept with it so an edited text can be printed again."""

from __future__ import annotations

import datetime as dt

from notifications.channels.letter import LETTER
from notifications.channels.message_folder import ChannelMessage
from notifications.letter_layout import LETTER_LAYOUT, layout_pdf
from notifications.render import money
from orchestration.dunning.channels.registry import Clean, OutboxDrafter
from orchestration.dunning.model import Contact, Notice
from orchestration.dunning.notices import environment, notice_context, notice_meta, open_balance_text
from orchestration.policy.dunning import Dunning, Sender

INVOICES_MARK = "[[invoices]]"
"""Where a letter template places the invoice table."""


def render_letter(notice: Notice, dunning: Dunning, as_of: dt.date) -> ChannelMessage:
    """A printable PDF letter (sender block, address window, invoice table with totals); its layout
    is kept with it so an edited text can be printed again (`notifications.letter_layout`)."""
    context = notice_context(notice, dunning, as_of)
    sender: Sender = context["sender"]
    text = (
        environment().get_template(f"letter/dunning/{notice.lead.step.template}.txt.jinja2").render(context)
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
        LETTER.name,
        recipient[0],
        layout["title"],
        text.replace(INVOICES_MARK, invoice_lines),
        {**notice_meta(notice), "address_lines": recipient, LETTER_LAYOUT: layout},
        layout_pdf(layout),
    )


class LetterDrafter(OutboxDrafter):
    channel = LETTER
    weight = 3

    def address_problem(self, contact: Contact) -> str | None:
        return None if contact.address_lines else "no_address"

    def render(self, notice: Notice, dunning: Dunning, as_of: dt.date) -> ChannelMessage:
        return render_letter(notice, dunning, as_of)

    def recorded(self, notice: Notice, message: ChannelMessage) -> tuple[str | None, str]:
        return " / ".join(message.meta["address_lines"]), message.subject

    def preview(self, notice: Notice, dunning: Dunning, as_of: dt.date, clean: Clean) -> str:
        letter = render_letter(notice, dunning, as_of)
        address = " / ".join(letter.meta["address_lines"])
        return f"to {clean(address)}: PDF {len(letter.attachment or b'')} bytes"
