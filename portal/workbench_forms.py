"""The collector workbench's forms: raw fields as posted, validated into a `NewEntry` (contract C2).

One form shape for every kind (note, call, promise, dispute, dispute resolution, payment plan),
so one handler takes them all; the hidden `kind` says which fields count. Fields stay strings so
the input can be shown back unchanged next to its error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal

from portal.forms import _CONTROL as CONTROL_CHARACTERS
from portal.forms import (
    _SUBMISSION_ID,
    LATEST_PROMISE_DAYS,
    MAX_AMOUNT,
    NOTE_MAX,
    OUT_OF_DATE,
    TEXT_MAX,
    new_submission_id,
)
from portal.store.collector_entries import NewEntry

MAX_INSTALLMENTS = 24
MIN_INSTALLMENTS = 2
LATEST_DEADLINE_DAYS = 366
CALL_OUTCOMES = {
    "reached": "Reached the client",
    "voicemail": "Left a voicemail",
    "no_answer": "No answer",
    "wrong_number": "Wrong number",
}
KIND_LABELS = {
    "note": "Note",
    "call": "Call",
    "promise": "Promise to pay",
    "dispute": "Dispute",
    "dispute_resolution": "Dispute resolved",
    "plan": "Payment plan",
    "discrepancy": "Difference accepted",  # only a customer enters it (portal/customer_discrepancy.py)
}


def installment_fields(n: int) -> tuple[str, str]:
    """The names of installment row `n`'s date and amount fields (1-based)."""
    return f"installment_due_{n}", f"installment_amount_{n}"


_BASE_FIELDS = [
    "submission_id",
    "kind",
    "account_id",
    "invoice_key",
    "note",
    "call_outcome",
    "currency",
    "promised_amount",
    "promised_date",
    "dispute_reason",
    "dispute_evidence",
    "dispute_deadline",
    "resolution",
]
_ROW_FIELDS = [name for n in range(1, MAX_INSTALLMENTS + 1) for name in installment_fields(n)]

EntryForm = make_dataclass(
    "EntryForm",
    [(name, str, field(default="")) for name in _BASE_FIELDS + _ROW_FIELDS],
)
EntryForm.__module__ = __name__
EntryForm.__doc__ = "Every field of a workbench form as the browser sends it (strings)."


def blank_form(kind: str, account_id: str) -> EntryForm:
    """A fresh form of this kind for this account, with its own submission id."""
    return EntryForm(submission_id=new_submission_id(), kind=kind, account_id=account_id)


def form_value(form: EntryForm, name: str) -> str:
    """A field by name (templates use it for the installment rows)."""
    return getattr(form, name, "")


@dataclass(frozen=True)
class AccountScope:
    """What the signed-in collector may record against on one account."""

    account_id: str
    invoice_currencies: dict[str, str]  # the collector's open invoices on this account -> currency
    open_balances: dict[str, Decimal]  # the account's open balance per currency
    open_disputes: frozenset[str]  # invoice keys with an unresolved dispute


@dataclass
class EntryValidation:
    """An entry to store, or errors by field name."""

    entry: NewEntry | None
    errors: dict[str, str] = field(default_factory=dict)


def _text(value: str, name: str, limit: int, errors: dict[str, str], required: str = "") -> str | None:
    cleaned = value.strip()
    if not cleaned and required:
        errors[name] = required
    elif len(cleaned) > limit:
        errors[name] = f"Please keep this under {limit} characters (it has {len(cleaned)})."
    elif CONTROL_CHARACTERS.search(cleaned):
        errors[name] = "Please remove the invisible control characters from this text."
    return cleaned or None


def _date(
    value: str, name: str, errors: dict[str, str], *, today: dt.date, latest_days: int, required: str
) -> dt.date | None:
    cleaned = value.strip()
    if not cleaned:
        errors[name] = required
        return None
    try:
        day = dt.date.fromisoformat(cleaned)
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD, for example 2026-12-31."
        return None
    if day < today:
        errors[name] = "The date cannot be in the past."
    elif day > today + dt.timedelta(days=latest_days):
        errors[name] = "The date is too far ahead."
    else:
        return day
    return None


def _amount(value: str, name: str, errors: dict[str, str], required: str) -> Decimal | None:
    cleaned = value.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        errors[name] = required
        return None
    try:
        amount = Decimal(cleaned)
    except ArithmeticError:
        errors[name] = "Enter an amount in numbers, for example 1250.00."
        return None
    if not amount.is_finite() or amount <= 0:
        errors[name] = "The amount must be more than zero."
    elif amount.as_tuple().exponent < -2:
        errors[name] = "Use at most two decimal places."
    elif amount > MAX_AMOUNT:
        errors[name] = "That amount is too large."
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _currency(form: EntryForm, scope: AccountScope, errors: dict[str, str]) -> str | None:
    currency = form.currency.strip().upper()
    if not currency:
        errors["currency"] = "Choose a currency."
    elif currency not in scope.open_balances:
        errors["currency"] = "Choose one of the account's currencies."
    else:
        return currency
    return None


def _invoice(form: EntryForm, allowed, errors: dict[str, str], required: str) -> str | None:
    key = form.invoice_key.strip()
    if not key:
        if required:
            errors["invoice_key"] = required
        return None
    if key not in allowed:
        errors["invoice_key"] = "Choose one of the listed invoices."
        return None
    return key


def _installments(
    form: EntryForm, currency: str | None, scope: AccountScope, today: dt.date, errors: dict[str, str]
) -> str | None:
    rows: list[tuple[dt.date, Decimal]] = []
    for n in range(1, MAX_INSTALLMENTS + 1):
        due_name, amount_name = installment_fields(n)
        due_raw, amount_raw = getattr(form, due_name).strip(), getattr(form, amount_name).strip()
        if not due_raw and not amount_raw:
            continue
        due = _date(
            due_raw,
            due_name,
            errors,
            today=today,
            latest_days=5 * 366,
            required="Enter the installment's date.",
        )
        amount = _amount(amount_raw, amount_name, errors, "Enter the installment's amount.")
        if due is not None and rows and rows[-1][0] is not None and due <= rows[-1][0]:
            errors[due_name] = "Each installment must fall after the one before it."
        rows.append((due, amount))
    if not MIN_INSTALLMENTS <= len(rows) <= MAX_INSTALLMENTS:
        errors["installments"] = (
            f"A plan has {MIN_INSTALLMENTS} to {MAX_INSTALLMENTS} installments (this one has {len(rows)})."
        )
        return None
    if any(due is None or amount is None for due, amount in rows):
        return None
    total = sum((amount for _, amount in rows), Decimal("0.00"))
    if currency is not None and total > scope.open_balances[currency]:
        errors["installments"] = (
            f"The installments add up to {currency} {total:,.2f}, more than the account's open balance "
            f"of {currency} {scope.open_balances[currency]:,.2f}."
        )
        return None
    return json.dumps([{"due_on": due.isoformat(), "amount": str(amount)} for due, amount in rows])


_EVERY_KIND = ("submission_id", "collector_email", "collector", "kind", "account_id", "note", "submitted_at")
_KIND_FIELDS = tuple(name for name in NewEntry.__dataclass_fields__ if name not in _EVERY_KIND)
"""The entry's fields that only some kinds fill (None unless the kind's checker sets them)."""


def _note(form: EntryForm, scope: AccountScope, today: dt.date, errors: dict[str, str]) -> dict:
    return {}  # the note itself is checked for every kind


def _call(form: EntryForm, scope: AccountScope, today: dt.date, errors: dict[str, str]) -> dict:
    outcome = form.call_outcome.strip()
    if outcome not in CALL_OUTCOMES:
        errors["call_outcome"] = "Choose how the call went."
    return {"call_outcome": outcome}


def _promise(form: EntryForm, scope: AccountScope, today: dt.date, errors: dict[str, str]) -> dict:
    currency = _currency(form, scope, errors)
    invoice = _invoice(form, scope.invoice_currencies, errors, required="")
    if invoice and currency and scope.invoice_currencies[invoice] != currency:
        errors["invoice_key"] = f"That invoice is in {scope.invoice_currencies[invoice]}, not {currency}."
    return {
        "currency": currency,
        "invoice_key": invoice,
        "promised_amount": _amount(
            form.promised_amount, "promised_amount", errors, "Enter the promised amount."
        ),
        "promised_date": _date(
            form.promised_date,
            "promised_date",
            errors,
            today=today,
            latest_days=LATEST_PROMISE_DAYS,
            required="Enter the date the client promised.",
        ),
    }


def _dispute(form: EntryForm, scope: AccountScope, today: dt.date, errors: dict[str, str]) -> dict:
    return {
        "invoice_key": _invoice(form, scope.invoice_currencies, errors, "Choose the disputed invoice."),
        "dispute_reason": _text(
            form.dispute_reason, "dispute_reason", TEXT_MAX, errors, required="Say what the client disputes."
        ),
        "dispute_evidence": _text(
            form.dispute_evidence,
            "dispute_evidence",
            TEXT_MAX,
            errors,
            required="Describe the evidence or give a file reference.",
        ),
        "dispute_deadline": _date(
            form.dispute_deadline,
            "dispute_deadline",
            errors,
            today=today,
            latest_days=LATEST_DEADLINE_DAYS,
            required="Enter the resolution deadline.",
        ),
    }


def _dispute_resolution(
    form: EntryForm, scope: AccountScope, today: dt.date, errors: dict[str, str]
) -> dict:
    return {
        "invoice_key": _invoice(form, scope.open_disputes, errors, "Choose the disputed invoice."),
        "resolution": _text(
            form.resolution, "resolution", TEXT_MAX, errors, required="Say how it was resolved."
        ),
    }


def _plan(form: EntryForm, scope: AccountScope, today: dt.date, errors: dict[str, str]) -> dict:
    currency = _currency(form, scope, errors)
    return {"currency": currency, "plan_installments": _installments(form, currency, scope, today, errors)}


_KIND_CHECKS: dict[str, Callable[[EntryForm, AccountScope, dt.date, dict[str, str]], dict]] = {
    "note": _note,
    "call": _call,
    "promise": _promise,
    "dispute": _dispute,
    "dispute_resolution": _dispute_resolution,
    "plan": _plan,
}
"""Per kind: check the fields it uses (adding errors by field name) and return their values."""
COLLECTOR_KINDS = tuple(_KIND_CHECKS)
"""What a collector may record (a customer's accepted difference is the customer door's)."""


def validate_entry(
    form: EntryForm, scope: AccountScope, collector_email: str, collector: str, now: dt.datetime
) -> EntryValidation:
    """Check every field the kind uses and collect all errors at once, each under its field's name."""
    errors: dict[str, str] = {}
    if not _SUBMISSION_ID.fullmatch(form.submission_id):
        errors["form"] = OUT_OF_DATE
    kind = form.kind
    values: dict[str, object] = dict.fromkeys(_KIND_FIELDS)
    values["note"] = _text(
        form.note, "note", NOTE_MAX, errors, required="Write the note." if kind == "note" else ""
    )
    check = _KIND_CHECKS.get(kind)
    if check is None:
        errors["form"] = OUT_OF_DATE
    else:
        values.update(check(form, scope, now.date(), errors))
    if errors:
        return EntryValidation(entry=None, errors=errors)
    entry = NewEntry(
        submission_id=form.submission_id,
        collector_email=collector_email,
        collector=collector,
        kind=kind,
        account_id=scope.account_id,
        submitted_at=now,
        **values,
    )
    return EntryValidation(entry=entry)
