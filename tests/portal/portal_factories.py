"""Portal test data: director jobs, settings on a temporary home, and signing in."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from portal.links import LinkSigner
from portal.settings import PortalSettings
from portal.store.director_jobs import DirectorJob
from portal.store.director_updates import NewUpdate

SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
STATUSES = ["Will pay", "Disputed", "Blocked", "Already paid"]
DANA = "dana@example.com"
ERIN = "erin@example.com"


def settings_for(home: Path, secret: str = SECRET, max_age_days: int = 14) -> PortalSettings:
    """Settings on a temporary home with a known secret."""
    return PortalSettings(
        home=home,
        secret_key=secret,
        db_url=f"sqlite:///{home / 'portal.sqlite3'}",
        base_url="http://testserver.local",
        link_max_age_days=max_age_days,
    )


def job(invoice_key: str = "new-york|123", director_email: str = DANA, **changes) -> DirectorJob:
    """One director job; keyword arguments override any field."""
    base = DirectorJob(
        director_email=director_email,
        director_name=director_email.split("@")[0].title(),
        invoice_key=invoice_key,
        invoice_number="INV-" + invoice_key.split("|")[-1],
        office="New York",
        account_name="Acme, Inc.",
        project="Bridge",
        currency="USD",
        amount=Decimal("1234.56"),
        balance=Decimal("1000.00"),
        due_date=dt.date(2026, 10, 1),
        days_past_due=53,
        aging_bucket="31-60",
        stage="Follow Up",
        collector="Chris",
        question="When will the client pay?",
        last_answer=None,
        last_answer_at=None,
    )
    return replace(base, **changes)


ACME_CONTACT = {
    "account_id": "001A",
    "contact_name": "Isla Carter",
    "contact_email": "ap@acme.example",
    "contact_phone": "+1 212 555 8250",
}
NEW_YORK_POLICY = {"time_zone": "America/New_York", "answer_stands_days": "14"}
ANSWER_FIELDS = {
    "status": "Will pay",
    "note": "",
    "expected_payment_date": "",
    "promised_amount": "",
    "dispute_reason": "",
    "blocker": "",
}
"""The visible fields of an answer form, as a browser posts them untouched (status chosen)."""


def client_jobs() -> list[DirectorJob]:
    """Dana: three invoices of Acme (balances 400, 300, 200; with its contact) and one of Bolt;
    Erin: one invoice of Acme, which Dana must never see."""
    acme = {**ACME_CONTACT, "account_name": "Acme, Inc."}
    return [
        job("nyc|1", DANA, days_past_due=90, balance=Decimal("400.00"), **acme),
        job("nyc|2", DANA, days_past_due=60, balance=Decimal("300.00"), **acme),
        job("nyc|3", DANA, days_past_due=45, balance=Decimal("200.00"), **acme),
        job("nyc|4", DANA, account_id="001B", account_name="Bolt LLC", days_past_due=70),
        job("nyc|9", ERIN, days_past_due=80, **acme),
    ]


def new_update(
    submission_id: str, invoice_key: str = "new-york|123", director_email: str = DANA, **changes
) -> NewUpdate:
    """One update as the form would produce it."""
    base = NewUpdate(
        submission_id=submission_id,
        director_email=director_email,
        invoice_key=invoice_key,
        status="Will pay",
        note="Client pays Friday",
        expected_payment_date=dt.date(2026, 12, 4),
        promised_amount=Decimal("1000.00"),
        dispute_reason=None,
        blocker=None,
        submitted_at=dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC),
    )
    return replace(base, **changes)


def mint(settings: PortalSettings, email: str, version: int = 1) -> str:
    """A valid link token for this director."""
    return LinkSigner(settings.secret_key, settings.link_max_age_seconds).mint(email, version)


def sign_in(client, settings: PortalSettings, email: str = DANA, version: int = 1) -> None:
    """Open the director's link so the client holds the session cookie."""
    response = client.get(f"/d/{mint(settings, email, version)}")
    assert response.status_code == 200, response.text


def form_fields(html: str, invoice_number: str) -> dict[str, str]:
    """The hidden fields of the answer form whose button names this invoice (its client has one)."""
    for form in re.findall(r"<form.*?</form>", html, flags=re.S):
        if f"Send answer for {invoice_number}<" in form:
            return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    raise AssertionError(f"no form for {invoice_number} on the page")
