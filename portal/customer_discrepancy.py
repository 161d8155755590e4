"""A customer accepts what a short payment left open: the difference cash application found within
the policy's `matching.short_pay_tolerance` (published per invoice as `discrepancy`). The
acceptance is an entry of the inbox (`kind = discrepancy`, `accepted_amount`); the next run's
matching writes that difference off with this consent as its evidence.

The amount is part of the consent: the form carries the difference the page showed, and a
difference that changed since (another payment, a new export) is refused rather than accepted."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from portal.customer_forms import CustomerForm
from portal.customer_view import long_date
from portal.forms import new_submission_id
from portal.store.collector_entries import CollectorEntry
from portal.store.customers import CustomerAccount, CustomerInvoice
from portal.workbench_forms import AccountScope, EntryForm, EntryValidation, validate_entry

CHANGED = "What is open on this invoice has changed since this page was loaded. Reload the page."


def open_differences(invoices: list[CustomerInvoice], entries: list[CollectorEntry]) -> dict[str, Decimal]:
    """Per open invoice key, the difference the customer may still accept (not accepted yet)."""
    accepted = {(e.invoice_key, e.accepted_amount) for e in entries if e.kind == "discrepancy"}
    return {
        i.invoice_key: i.discrepancy
        for i in invoices
        if i.status == "open" and i.discrepancy and (i.invoice_key, i.discrepancy) not in accepted
    }


def discrepancy_forms(differences: dict[str, Decimal]) -> dict[str, CustomerForm]:
    """A fresh form per invoice with a difference to accept, each with its own submission id."""
    return {
        key: CustomerForm(
            submission_id=new_submission_id(),
            kind="discrepancy",
            invoice_key=key,
            accepted_amount=str(amount),
        )
        for key, amount in differences.items()
    }


def _accepted(form: CustomerForm, expected: Decimal) -> bool:
    try:
        return Decimal(form.accepted_amount.strip()) == expected
    except InvalidOperation:
        return False


def validate_discrepancy(
    form: CustomerForm,
    account: CustomerAccount,
    invoices: list[CustomerInvoice],
    entries: list[CollectorEntry],
    contact_email: str,
    now: dt.datetime,
) -> EntryValidation:
    """The customer's acceptance to store, or errors by field name."""
    key = form.invoice_key.strip() if isinstance(form.invoice_key, str) else ""
    invoice = next((i for i in invoices if i.invoice_key == key), None)
    others = [e for e in entries if e.submission_id != form.submission_id]  # a repeated post is this one
    expected = open_differences(invoices, others).get(key)
    if invoice is None or (expected is None and not invoice.discrepancy):
        return EntryValidation(None, {"invoice_key": "This invoice has no difference to accept."})
    if expected is None:
        return EntryValidation(None, {"invoice_key": "You have already accepted this difference."})
    if not _accepted(form, expected):
        return EntryValidation(None, {"invoice_key": CHANGED})
    said = f"Accepted the {invoice.currency} {expected:,.2f} left open by the payment of "
    said += f"{long_date(invoice.discrepancy_paid_on)}" if invoice.discrepancy_paid_on else "a short payment"
    note = f"{said}: {form.details.strip()}" if form.details.strip() else said
    scope = AccountScope(account.account_id, {}, {}, frozenset())
    entry_form = EntryForm(
        submission_id=form.submission_id, kind="note", account_id=account.account_id, note=note
    )
    result = validate_entry(entry_form, scope, contact_email, account.collector or "", now)
    if result.entry is None:
        return EntryValidation(None, {"details" if k == "note" else k: v for k, v in result.errors.items()})
    entry = replace(
        result.entry,
        kind="discrepancy",
        invoice_key=key,
        currency=invoice.currency,
        accepted_amount=expected,
        entered_by="customer",
    )
    return EntryValidation(entry=entry)
