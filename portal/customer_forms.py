"""The customer door's forms: a promise to pay and a dispute, checked by the workbench's own rules
(`workbench_forms.validate_entry`) against the customer's account, and stored as entries of the
same inbox (`entered_by = customer`), so the pipeline takes them the same way as a collector's.

A dispute's reason is one of the policy's (`customer_portal.dispute_reasons`) and its deadline is
the policy's (`dispute_resolution_days` from today); a promise covers the invoices the customer
ticks (one, several in one currency, or none for the whole account) and may not exceed what is
open on them."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from decimal import Decimal

from litestar.datastructures import UploadFile

from portal.forms import OUT_OF_DATE, new_submission_id
from portal.store.customers import CustomerAccount, CustomerInvoice
from portal.uploads import StoredUpload
from portal.workbench_forms import AccountScope, EntryForm, EntryValidation, validate_entry

CUSTOMER_KINDS = ("promise", "dispute", "update")
UPDATE_SUBJECTS = {"po_reference": "PO reference", "billing_contact": "billing contact"}
"""What a customer may ask us to change: it lands as their note for the collector to confirm."""
_FIELD_NAMES = {"dispute_evidence": "details", "note": "details"}
"""The workbench's field names as the customer's form calls them."""
_MESSAGES = {
    "details": {
        "Describe the evidence or give a file reference.": "Tell us what is wrong.",
        "Write the note.": "Write what should change.",
    }
}


@dataclass
class CustomerForm:
    """A customer's form as the browser sends it (strings, shown back unchanged with errors)."""

    submission_id: str = ""
    kind: str = ""
    invoice_key: str | list[str] = ""
    """One invoice (dispute, update), or the invoices a promise covers (ticked boxes)."""
    currency: str = ""
    promised_amount: str = ""
    promised_date: str = ""
    dispute_reason: str = ""
    details: str = ""
    update_subject: str = ""
    accepted_amount: str = ""
    """A discrepancy: the difference the page showed (the amount is part of the consent)."""


def chosen_keys(form: CustomerForm) -> list[str]:
    """The invoice keys the form names, in the order posted, each once, blanks dropped."""
    keys = [form.invoice_key] if isinstance(form.invoice_key, str) else form.invoice_key
    return list(dict.fromkeys(key.strip() for key in keys if key.strip()))


def blank_forms() -> dict[str, CustomerForm]:
    """A fresh form per kind (and the remittance upload's), each with its own submission id."""
    return {
        kind: CustomerForm(submission_id=new_submission_id(), kind=kind)
        for kind in (*CUSTOMER_KINDS, "remittance")
    }


@dataclass
class RemittanceForm:
    """The remittance advice upload as the browser sends it (multipart)."""

    submission_id: str = ""
    details: str = ""
    file: UploadFile | None = None


@dataclass
class DisputeUpload:
    """The dispute form as the browser sends it (multipart: an optional attachment)."""

    submission_id: str = ""
    invoice_key: str = ""
    dispute_reason: str = ""
    details: str = ""
    file: UploadFile | None = None

    def as_form(self) -> CustomerForm:
        return CustomerForm(
            submission_id=self.submission_id,
            kind="dispute",
            invoice_key=self.invoice_key,
            dispute_reason=self.dispute_reason,
            details=self.details,
        )


def with_attachment(entry, stored: StoredUpload):
    """The dispute's evidence naming its attachment as kept (for the collector to open)."""
    kept = f"attachment {stored.original_name} ({stored.kind.upper()})"
    kept += f", kept as uploads/disputes/.../{stored.path.name}"
    return replace(entry, dispute_evidence=f"{entry.dispute_evidence} [{kept}]")


def remittance_entry(
    form: RemittanceForm, stored: StoredUpload, account: CustomerAccount, contact_email: str, now: dt.datetime
) -> EntryValidation:
    """The customer's note that an advice came (file, kind, size, its stored name), checked by the
    workbench's rules, for the collector to apply against the payer's unapplied payments."""
    said = (
        f"Remittance advice uploaded: {stored.original_name} ({stored.kind.upper()}, {stored.size:,} bytes, "
    )
    said += f"kept as uploads/remittances/.../{stored.path.name})"
    note = f"{said}: {form.details.strip()}" if form.details.strip() else said
    entry_form = EntryForm(
        submission_id=form.submission_id, kind="note", account_id=account.account_id, note=note
    )
    scope = AccountScope(account.account_id, {}, {}, frozenset())
    result = validate_entry(entry_form, scope, contact_email, account.collector or "", now)
    if result.entry is None:
        return EntryValidation(None, {_FIELD_NAMES.get(k, k): v for k, v in result.errors.items()})
    return EntryValidation(entry=replace(result.entry, entered_by="customer"))


def customer_scope(account_id: str, invoices: list[CustomerInvoice]) -> AccountScope:
    """What the customer may name: the account's open invoices and currencies."""
    open_ = [i for i in invoices if i.status == "open"]
    balances: dict[str, Decimal] = {}
    for i in open_:
        balances[i.currency] = balances.get(i.currency, Decimal("0.00")) + i.balance
    return AccountScope(
        account_id=account_id,
        invoice_currencies={i.invoice_key: i.currency for i in open_},
        open_balances=balances,
        open_disputes=frozenset(),
    )


def _entry_form(
    form: CustomerForm, account: CustomerAccount, scope: AccountScope, today: dt.date, numbers: dict[str, str]
) -> EntryForm:
    """The workbench form this customer form stands for."""
    common = {
        "submission_id": form.submission_id,
        "kind": form.kind,
        "account_id": scope.account_id,
        "invoice_key": form.invoice_key,
    }
    if form.kind == "update":
        return EntryForm(**{**common, "kind": "note"}, note=_update_note(form, scope, numbers))
    if form.kind == "dispute":
        deadline = today + dt.timedelta(days=int(account.rules["dispute_resolution_days"]))
        return EntryForm(
            **common,
            dispute_reason=form.dispute_reason,
            dispute_evidence=form.details,
            dispute_deadline=deadline.isoformat(),
        )
    currency = form.currency.strip().upper() or scope.invoice_currencies.get(form.invoice_key.strip(), "")
    if not currency and len(scope.open_balances) == 1:
        [currency] = scope.open_balances
    return EntryForm(
        **common,
        currency=currency,
        promised_amount=form.promised_amount,
        promised_date=form.promised_date,
        note=form.details,
    )


def _update_note(form: CustomerForm, scope: AccountScope, numbers: dict[str, str]) -> str:
    """The note a PO reference or billing contact update becomes (empty when there is nothing to
    say, so the workbench's rule asks for it)."""
    details = form.details.strip()
    if not details or form.update_subject not in UPDATE_SUBJECTS:
        return details
    key = form.invoice_key.strip()
    about = f" for invoice {numbers[key]}" if key in scope.invoice_currencies else ""
    return f"Customer asks to update the {UPDATE_SUBJECTS[form.update_subject]}{about}: {details}"


def _covered_checks(covered: list[str], scope: AccountScope) -> dict:
    """A promise over several invoices: each an open invoice of the account, all in one currency."""
    if any(key not in scope.invoice_currencies for key in covered):
        return {"invoice_key": "Choose among the listed invoices."}
    if len({scope.invoice_currencies[key] for key in covered}) > 1:
        return {"invoice_key": "Those invoices are in different currencies: promise for each currency apart."}
    return {}


def _own_checks(
    form: CustomerForm, account: CustomerAccount, scope: AccountScope, disputed: set[str]
) -> dict:
    """What the customer door adds to the workbench's rules (`form` names one invoice at most)."""
    errors: dict[str, str] = {}
    key = form.invoice_key.strip()
    if form.kind == "update":
        if form.update_subject not in UPDATE_SUBJECTS:
            errors["update_subject"] = "Choose what to update."
        if key and key not in scope.invoice_currencies:
            errors["invoice_key"] = "Choose one of the listed invoices."
    if form.kind == "dispute":
        if form.dispute_reason not in account.rules["dispute_reasons"]:
            errors["dispute_reason"] = "Choose one of the listed reasons."
        if key in disputed:
            errors["invoice_key"] = "You have already disputed this invoice; we are looking into it."
    return errors


def _over_balance(
    entry, scope: AccountScope, invoices: list[CustomerInvoice], covered: list[str]
) -> str | None:
    """A promise above what is open (on its invoices, else in its currency)."""
    if entry.kind != "promise":
        return None
    open_ = {i.invoice_key: i.balance for i in invoices if i.status == "open"}
    if covered or entry.invoice_key:
        limit = sum((open_[key] for key in covered or [entry.invoice_key]), Decimal("0.00"))
    else:
        limit = scope.open_balances[entry.currency]
    if entry.promised_amount > limit:
        return f"That is more than the {entry.currency} {limit:,.2f} open."
    return None


def validate_customer_entry(
    form: CustomerForm,
    account: CustomerAccount,
    invoices: list[CustomerInvoice],
    contact_email: str,
    disputed: set[str],
    now: dt.datetime,
) -> EntryValidation:
    """A customer entry to store (`entered_by = customer`, the account's collector), or errors by
    the customer form's field names."""
    if form.kind not in CUSTOMER_KINDS:
        return EntryValidation(entry=None, errors={"form": OUT_OF_DATE})
    scope = customer_scope(account.account_id, invoices)
    chosen = chosen_keys(form)
    covered = chosen if len(chosen) > 1 else []
    one = replace(form, invoice_key=chosen[0] if len(chosen) == 1 else "")
    own = _covered_checks(covered, scope) if form.kind == "promise" else {}
    if covered and form.kind != "promise":
        own = {"invoice_key": "Choose one invoice."}
    if covered and not own:  # the workbench checks an account-wide promise in the set's currency
        one = replace(one, currency=scope.invoice_currencies[covered[0]])
    numbers = {i.invoice_key: i.invoice_number for i in invoices}
    entry_form = _entry_form(one, account, scope, now.date(), numbers)
    result = validate_entry(entry_form, scope, contact_email, account.collector or "", now)
    errors = {_FIELD_NAMES.get(name, name): message for name, message in result.errors.items()}
    errors = {name: _MESSAGES.get(name, {}).get(message, message) for name, message in errors.items()}
    errors |= _own_checks(one, account, scope, disputed) | own
    if result.entry is not None and not errors:
        over = _over_balance(result.entry, scope, invoices, covered)
        if over:
            errors["promised_amount"] = over
    if errors:
        return EntryValidation(entry=None, errors=errors)
    keys = json.dumps(sorted(covered)) if covered else None
    return EntryValidation(entry=replace(result.entry, entered_by="customer", invoice_keys=keys))
