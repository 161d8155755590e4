"""The director's answer form: raw fields as posted, and their validation into one `NewUpdate` per
invoice the answer covers (one answer may cover several invoices of one client)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from portal.store.director_jobs import DirectorJob
from portal.store.director_updates import NewUpdate

NOTE_MAX = 2000
TEXT_MAX = 1000
MAX_AMOUNT = Decimal("9999999999999999.99")  # DECIMAL(18,2)
LATEST_PROMISE_DAYS = 2 * 366
OUT_OF_DATE = "This form is out of date. Please reload the page and try again."
_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")
# Control characters other than tab and line breaks: PostgreSQL refuses NUL outright, and the
# rest only hide text from the collectors who read the note in the ledger and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class UpdateForm:
    """Every field as the browser sends it (strings), so the input can be shown back unchanged."""

    submission_id: str = ""
    client: str = ""
    """The client the form is for: only to show the form again after an error."""
    invoice_key: str | list[str] = ""
    """One key, or several when the answer covers several invoices of a client (ticked boxes)."""
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


@dataclass
class AnswerValidation:
    """The outcome of validating an answer: one update per invoice it covers, or errors by field."""

    updates: list[NewUpdate] | None
    errors: dict[str, str] = field(default_factory=dict)


def selected_keys(form: UpdateForm) -> list[str]:
    """The invoice keys the answer is for, in the order posted, each once, blanks dropped."""
    keys = [form.invoice_key] if isinstance(form.invoice_key, str) else form.invoice_key
    return list(dict.fromkeys(key for key in keys if key))


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
    keys = selected_keys(form)
    if not keys:
        errors["invoice_key"] = "Tick at least one invoice this answer is for."
    if not _SUBMISSION_ID.fullmatch(form.submission_id):
        errors["form"] = OUT_OF_DATE
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
            invoice_key=keys[0],
            status=status,
            note=note,
            expected_payment_date=expected,
            promised_amount=promised,
            dispute_reason=dispute,
            blocker=blocker,
            submitted_at=now,
        )
    )


def validate_answer(
    form: UpdateForm,
    director_email: str,
    status_choices: list[str],
    now: dt.datetime,
    jobs: Sequence[DirectorJob],
) -> AnswerValidation:
    """Validate the fields once and make one update per job (`jobs`: the director's own jobs the
    form named, already checked, most overdue first). A promised amount is spread over the
    invoices most overdue first, each up to its balance, the rest on the last one, so the
    amounts add up to what the director wrote."""
    result = validate_update(form, director_email, status_choices, now)
    errors = dict(result.errors)
    currencies = sorted({job.currency or "no currency" for job in jobs})
    if result.update is not None and result.update.promised_amount is not None and len(currencies) > 1:
        errors["promised_amount"] = (
            f"These invoices are in {' and '.join(currencies)}: send one answer per currency "
            "so the promised amount is in one currency."
        )
    if errors or result.update is None:
        return AnswerValidation(updates=None, errors=errors)
    amounts = _spread(result.update.promised_amount, [job.balance for job in jobs])
    return AnswerValidation(
        updates=[
            replace(
                result.update,
                submission_id=_row_submission_id(form.submission_id, job.invoice_key),
                invoice_key=job.invoice_key,
                promised_amount=amount,
                answer_group=form.submission_id,
            )
            for job, amount in zip(jobs, amounts, strict=True)
        ]
    )


def _spread(total: Decimal | None, balances: Sequence[Decimal]) -> list[Decimal | None]:
    """`total` over invoices in order, each up to its balance, the rest on the last; invoices the
    total does not reach get no amount."""
    if total is None:
        return [None] * len(balances)
    amounts: list[Decimal | None] = []
    left = total
    for index, balance in enumerate(balances):
        share = left if index == len(balances) - 1 else min(left, max(balance, Decimal("0.00")))
        amounts.append(share if share > 0 else None)
        left -= share
    return amounts


def _row_submission_id(form_submission_id: str, invoice_key: str) -> str:
    """Each invoice's row of one answer gets its own submission id, derived from the form's, so a
    repeated post stores nothing twice."""
    digest = hashlib.sha256(invoice_key.encode("utf-8")).hexdigest()[:16]
    return f"{form_submission_id}-{digest}"
