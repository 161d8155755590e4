"""What a customer's account page shows, from the published read models: open invoices with their
status in words, the paid history of the last 12 months, invoice copies, the collector to contact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from portal.store.customers import CustomerAccount, CustomerInvoice

PAID_HISTORY_DAYS = 365


def long_date(day: dt.date | None) -> str:
    """`23 November 2026`: unambiguous on both sides of the Atlantic (as on the statement)."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def pay_url(templates: dict[str, str], invoice: CustomerInvoice) -> str | None:
    """The office's pay-now address for this invoice's open balance (the policy's template, its
    values URL-encoded), or None where the office has none."""
    template = templates.get(invoice.office or "")
    if not template or invoice.balance <= 0:
        return None
    values = {
        "amount": f"{invoice.balance:.2f}",
        "currency": invoice.currency,
        "invoice": invoice.invoice_number,
        "account": invoice.account_id,
    }
    return template.format(**{name: quote(value, safe="") for name, value in values.items()})


def copy_url(invoice: CustomerInvoice) -> str | None:
    """Where the customer gets the invoice's copy: the PDF the pipeline published from documents/
    (served by the account-checked route), else the source's https:// address, else None."""
    if invoice.document_file and invoice.document_sha256:
        return f"/account/invoices/{quote(invoice.invoice_key, safe='')}/copy"
    url = (invoice.document_url or "").strip()
    return url if url.lower().startswith("https://") else None  # the ingest let only these in


def due_words(days_past_due: int | None) -> str:
    """How an open invoice stands against its due date, in words."""
    if days_past_due is None:
        return "No due date"
    if days_past_due > 0:
        return f"Overdue by {days_past_due} day{'s' if days_past_due != 1 else ''}"
    if days_past_due == 0:
        return "Due today"
    return f"Due in {-days_past_due} day{'s' if days_past_due != -1 else ''}"


@dataclass(frozen=True)
class OpenInvoice:
    """An open invoice and what the customer already said about it here."""

    invoice: CustomerInvoice
    status: str
    standing: tuple[str, ...] = ()
    pay_url: str | None = None


@dataclass(frozen=True)
class AccountView:
    """Everything the account page shows."""

    account: CustomerAccount
    open_invoices: list[OpenInvoice]
    paid: list[CustomerInvoice]
    balances: dict[str, Decimal]
    account_standing: tuple[str, ...] = ()
    copies: dict[str, str] = field(default_factory=dict)


def account_view(
    account: CustomerAccount,
    invoices: list[CustomerInvoice],
    standing: dict[str, tuple[str, ...]] | None = None,
) -> AccountView:
    """The page's parts; `standing` holds per invoice key what the customer has told us."""
    standing = standing or {}
    since = account.as_of_date - dt.timedelta(days=PAID_HISTORY_DAYS)
    pay_now = account.rules.get("pay_now") or {}
    open_ = [
        OpenInvoice(i, due_words(i.days_past_due), standing.get(i.invoice_key, ()), pay_url(pay_now, i))
        for i in invoices
        if i.status == "open"
    ]
    paid = sorted(
        (i for i in invoices if i.status == "paid" and i.settled_on is not None and i.settled_on >= since),
        key=lambda i: (i.settled_on, i.invoice_number),
        reverse=True,
    )
    balances: dict[str, Decimal] = {}
    for row in open_:
        balances[row.invoice.currency] = (
            balances.get(row.invoice.currency, Decimal("0.00")) + row.invoice.balance
        )
    copies = {i.invoice_key: url for i in invoices if (url := copy_url(i))}
    return AccountView(account, open_, paid, dict(sorted(balances.items())), standing.get("", ()), copies)


def customer_standing(entries) -> dict[str, tuple[str, ...]]:
    """What the customer told us here, per invoice key ("" for the whole account), oldest first:
    their promises, disputes, notes and accepted differences (a collector's entries are the team's
    own notes, never shown)."""
    standing: dict[str, list[str]] = {}
    for entry in sorted(entries, key=lambda e: e.entry_id):
        if entry.entered_by != "customer":
            continue
        covered = entry.covered_invoices()
        if entry.kind == "promise":
            words = (
                f"You promised {entry.currency} {entry.promised_amount:,.2f} "
                f"by {long_date(entry.promised_date)}"
            )
            words += f" for {len(covered)} invoices" if len(covered) > 1 else ""
        elif entry.kind == "dispute":
            words = (
                f"You disputed it: {entry.dispute_reason} (we answer by {long_date(entry.dispute_deadline)})"
            )
        elif entry.kind == "note":
            words = f"{entry.note} (sent {long_date(entry.submitted_at.date())}; we confirm it with you)"
        elif entry.kind == "discrepancy":
            words = (
                f"You accepted the {entry.currency} {entry.accepted_amount:,.2f} difference: "
                "we close the invoice at our next update"
            )
        else:
            continue
        for key in covered or [""]:
            standing.setdefault(key, []).append(words)
    return {key: tuple(words) for key, words in standing.items()}
