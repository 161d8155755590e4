"""Validation of the director's update form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.forms import UpdateForm, new_submission_id, validate_update
from tests.portal.portal_factories import DANA, STATUSES

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def _validate(**fields):
    form = UpdateForm(submission_id="f" * 32, invoice_key="new-york|123", status="Will pay")
    for name, value in fields.items():
        setattr(form, name, value)
    return validate_update(form, DANA, STATUSES, NOW)


def test_validate_update_builds_the_update():
    result = _validate(note="  Friday  ", expected_payment_date="2026-12-04", promised_amount="1,234.5")
    assert result.errors == {}
    update = result.update
    assert (update.note, update.expected_payment_date, update.promised_amount) == (
        "Friday",
        dt.date(2026, 12, 4),
        Decimal("1234.50"),
    )
    assert (update.director_email, update.submitted_at, update.dispute_reason) == (DANA, NOW, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "", "Choose a status."),
        ("status", "Hacked", "Choose one of the listed statuses."),
        ("expected_payment_date", "12/04/2026", "Enter a date as YYYY-MM-DD"),
        ("expected_payment_date", "2026-11-22", "cannot be in the past"),
        ("expected_payment_date", "2030-01-01", "within two years"),
        ("promised_amount", "abc", "Enter an amount in numbers"),
        ("promised_amount", "-5", "more than zero"),
        ("promised_amount", "NaN", "more than zero"),
        ("promised_amount", "1.234", "at most two decimal places"),
        ("promised_amount", "1e20", "too large"),
        ("note", "x" * 2001, "under 2000 characters"),
        ("blocker", "x" * 1001, "under 1000 characters"),
        ("submission_id", "not-an-id", "reload the page"),
        ("submission_id", "f" * 32 + "\n", "reload the page"),
        ("note", "pays\x00Friday", "control characters"),
        ("dispute_reason", "\x1b[8mhidden", "control characters"),
    ],
)
def test_validate_update_names_the_bad_field(field, value, message):
    result = _validate(**{field: value})
    assert result.update is None
    key = "form" if field == "submission_id" else field
    assert message in result.errors[key]


def test_validate_update_keeps_tabs_and_line_breaks_in_a_note():
    assert _validate(note="line one\r\n\tline two").update.note == "line one\r\n\tline two"


def test_validate_update_reports_all_errors_at_once():
    result = _validate(status="", promised_amount="x", expected_payment_date="y")
    assert set(result.errors) == {"status", "promised_amount", "expected_payment_date"}


def test_new_submission_ids_are_unique_hex():
    ids = {new_submission_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 32 for i in ids)
