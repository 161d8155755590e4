"""The director's update form: raw fields as posted, and their validation into a `NewUpdate`."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from portal.store import NewUpdate

NOTE_MAX = 2000
TEXT_MAX = 1000
MAX_AMOUNT = Decimal("9999999999999999.99")  # DECIMAL(18,2)
LATEST_PROMISE_DAYS = 2 * 366
_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")
# Control characters other than tab and line breaks: PostgreSQL refuses NUL outright, and the
# rest only hide text from the collectors who read the note in the ledger and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class UpdateForm:
    """Every field as the browser sends it (strings), so the input can be shown back unchanged."""

    submission_id: str = ""
    invoice_key: str = ""
    status: str = ""
    note: str = ""
    expected_payment_date: str = ""
    promised_amount: str = ""
    dispute_reason: str = ""
    blocker: str = ""


@dataclass
class Validation:
    """The outcome of validating a form: an update to store, or errors by field name."""

    update: NewUpdate | None
    errors: dict[str, str] = field(default_factory=dict)


def new_submission_id() -> str:
    """A fresh id for one rendered form; posting it twice stores one update."""
    return uuid.uuid4().hex


def _text(value: str, name: str, limit: int, errors: dict[str, str]) -> str | None:
    cleaned = value.strip()
    if len(cleaned) > limit:
        errors[name] = f"Please keep this under {limit} characters (it has {len(cleaned)})."
    elif _CONTROL.search(cleaned):
        errors[name] = "Please remove the invisible control characters from this text."
    return cleaned or None


def _date(value: str, today: dt.date, errors: dict[str, str]) -> dt.date | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    try:
        day = dt.date.fromisoformat(cleaned)
    except ValueError:
        errors["expected_payment_date"] = "Enter a date as YYYY-MM-DD, for example 2026-12-31."
        return None
    if day < today:
        errors["expected_payment_date"] = "The expected payment date cannot be in the past."
    elif day > today + dt.timedelta(days=LATEST_PROMISE_DAYS):
        errors["expected_payment_date"] = "The expected payment date must be within two years."
    return day


def _amount(value: str, errors: dict[str, str]) -> Decimal | None:
    cleaned = value.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        errors["promised_amount"] = "Enter an amount in numbers, for example 1250.00."
        return None
    if not amount.is_finite() or amount <= 0:
        errors["promised_amount"] = "The promised amount must be more than zero."
    elif amount.as_tuple().exponent < -2:
        errors["promised_amount"] = "Use at most two decimal places."
    elif amount > MAX_AMOUNT:
        errors["promised_amount"] = "That amount is too large."
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def validate_update(
    form: UpdateForm, director_email: str, status_choices: list[str], now: dt.datetime
) -> Validation:
    """Check every field and collect all errors at once, each under its field's name."""
    errors: dict[str, str] = {}
    if not _SUBMISSION_ID.fullmatch(form.submission_id):
        errors["form"] = "This form is out of date. Please reload the page and try again."
    status = form.status.strip()
    if not status:
        errors["status"] = "Choose a status."
    elif status not in status_choices:
        errors["status"] = "Choose one of the listed statuses."
    note = _text(form.note, "note", NOTE_MAX, errors)
    expected = _date(form.expected_payment_date, now.date(), errors)
    promised = _amount(form.promised_amount, errors)
    dispute = _text(form.dispute_reason, "dispute_reason", TEXT_MAX, errors)
    blocker = _text(form.blocker, "blocker", TEXT_MAX, errors)
    if errors:
        return Validation(update=None, errors=errors)
    return Validation(
        update=NewUpdate(
            submission_id=form.submission_id,
            director_email=director_email,
            invoice_key=form.invoice_key,
            status=status,
            note=note,
            expected_payment_date=expected,
            promised_amount=promised,
            dispute_reason=dispute,
            blocker=blocker,
            submitted_at=now,
        )
    )
