"""Jobs and messages for notification tests."""

import datetime as dt
from decimal import Decimal

from notifications.render import Sender, render_director_email
from portal.store.director_jobs import DirectorJob

NOW = dt.datetime(2026, 11, 23, 14, 30, tzinfo=dt.UTC)
SENDER = Sender(address="collections@example.com", team="Acme Collections")


def job(invoice_number="INV-1", **changes) -> DirectorJob:
    values = dict(
        director_email="dana@example.com", director_name="Dana Diaz",
        invoice_key=f"NYC:{invoice_number}", invoice_number=invoice_number, office="NYC",
        account_name="Acme, Inc.", project="Bridge", currency="USD",
        amount=Decimal("12345.60"), balance=Decimal("2345.67"), due_date=dt.date(2026, 9, 1),
        days_past_due=83, aging_bucket="61-90", stage="Follow Up", collector="Chris",
        question="When will this invoice be paid?", last_answer=None, last_answer_at=None,
    )
    values.update(changes)
    return DirectorJob(**values)


def message(jobs=None, link="https://portal.example.com/d/TOKEN", name="Dana Diaz",
            email="dana@example.com"):
    return render_director_email(
        director_email=email, director_name=name, jobs=jobs or [job()], link=link, link_days=14,
        sender=SENDER, now=NOW,
    )


def parts(msg) -> tuple[str, str]:
    """(plain text, html) of a rendered message."""
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html
