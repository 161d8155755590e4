"""A director answers once per client: jobs grouped by client with its contact, one answer for
several invoices (each checked against the director's own jobs), the answer shown at once."""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal

import pytest
from litestar.testing import TestClient

from portal.app import create_app
from portal.store import audit_log, connect, director_jobs, director_updates
from tests.portal.portal_factories import (
    ANSWER_FIELDS,
    DANA,
    NEW_YORK_POLICY,
    STATUSES,
    client_jobs,
    job,
    new_update,
    sign_in,
)


@pytest.fixture
def store(portal_settings):
    store = connect(portal_settings.db_url)
    director_jobs.publish(store, client_jobs(), STATUSES, NEW_YORK_POLICY)
    yield store
    store.close()


@pytest.fixture
def client(portal_settings, store):
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as test_client:
        sign_in(test_client, portal_settings, DANA)
        yield test_client


def _section(html: str, name: str) -> str:
    for section in re.findall(r'<section class="client".*?</section>', html, flags=re.S):
        if f">{name}</h2>" in section:
            return section
    raise AssertionError(f"no section for {name}")


def _answer_form(html: str, name: str) -> dict[str, object]:
    """The client's answer form as a browser would post it: hidden fields and ticked boxes."""
    section = _section(html, name)
    data: dict[str, object] = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', section)
    )
    ticked = re.findall(r'type="checkbox"[^>]*name="invoice_key" value="([^"]+)"[^>]*checked', section)
    if ticked:
        data["invoice_key"] = ticked
    data.update(ANSWER_FIELDS)
    return data


def test_jobs_are_grouped_by_client_with_the_clients_contact(client):
    page = client.get("/jobs").text
    assert "4 invoices of 2 clients" in page
    acme = _section(page, "Acme, Inc.")
    assert "Isla Carter" in acme and 'href="tel:+12125558250"' in acme
    assert 'href="mailto:ap@acme.example"' in acme
    assert "3 invoices, USD 900.00 open" in acme
    assert acme.count('type="checkbox"') == 3 and acme.count("<form") == 1
    assert "No contact for this client on file." in _section(page, "Bolt LLC")
    assert page.index("Acme, Inc.") < page.index("Bolt LLC")  # the most overdue client first
    assert "nyc|9" not in page  # Erin's job of the same client stays hers


def test_one_answer_covers_several_invoices_of_a_client(client, store):
    data = _answer_form(client.get("/jobs").text, "Acme, Inc.")
    assert data["invoice_key"] == ["nyc|1", "nyc|2", "nyc|3"]
    data.update(
        {
            "invoice_key": ["nyc|1", "nyc|3"],
            "promised_amount": "500.00",
            "expected_payment_date": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
        }
    )
    response = client.post("/updates", data=data, follow_redirects=False)
    assert response.status_code == 303
    saved = director_updates.after(store, 0, 10)
    assert [(u.invoice_key, u.promised_amount) for u in saved] == [
        ("nyc|1", Decimal("400.00")),  # most overdue first, up to its balance
        ("nyc|3", Decimal("100.00")),  # the rest: the amounts add up to what was promised
    ]
    assert {u.answer_group for u in saved} == {data["submission_id"]}
    assert len({u.submission_id for u in saved}) == 2
    confirmation = client.get(response.headers["location"]).text
    assert "Your answer covers 2 invoices" in confirmation
    assert "INV-1" in confirmation and "INV-3" in confirmation and "INV-2" not in confirmation
    again = client.post("/updates", data=data, follow_redirects=False)  # back button, send again
    assert again.headers["location"] == response.headers["location"]
    assert len(director_updates.after(store, 0, 10)) == 2


def test_an_answer_shows_at_once_instead_of_the_blank_form(client):
    data = _answer_form(client.get("/jobs").text, "Acme, Inc.")
    data.update({"status": "Disputed", "note": "Wrong rate on the last two"})
    assert client.post("/updates", data=data, follow_redirects=False).status_code == 303
    acme = _section(client.get("/jobs").text, "Acme, Inc.")
    assert acme.count("Your answer, ") == 3 and acme.count("Wrong rate on the last two") == 3
    assert "You answered all 3 invoices" in acme
    assert '<details class="change"><summary>Change your answer</summary>' in acme  # not a blank form
    assert "The collector asks" not in acme
    bolt = _section(client.get("/jobs").text, "Bolt LLC")
    assert "<details" not in bolt and "The collector asks" in bolt


def test_an_answer_older_than_the_policy_days_asks_again(client, store):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=15)
    director_updates.record(
        store, new_update("a" * 32, invoice_key="nyc|4", status="Disputed", submitted_at=old)
    )
    bolt = _section(client.get("/jobs").text, "Bolt LLC")
    assert "Your last answer, " in bolt and "The collector asks" in bolt and "<details" not in bolt


def test_times_are_shown_in_the_policys_time_zone(client, store):
    at = dt.datetime(2026, 11, 23, 19, 5, tzinfo=dt.UTC)  # 14:05 in New York
    update_id = director_updates.record(store, new_update("b" * 32, invoice_key="nyc|4", submitted_at=at))
    confirmation = client.get(f"/updates/{update_id}").text
    assert "received 2026-11-23 14:05 EST" in confirmation and "UTC" not in confirmation
    assert "Times are New York time (America/New_York)" in client.get("/jobs").text


def test_another_directors_invoice_among_several_is_refused_and_nothing_is_stored(client, store, caplog):
    data = _answer_form(client.get("/jobs").text, "Acme, Inc.")
    data["invoice_key"] = ["nyc|1", "nyc|9"]
    with caplog.at_level(logging.WARNING, logger="portal.jobs"):
        response = client.post("/updates", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert director_updates.after(store, 0, 10) == []
    assert [e.subject for e in audit_log.entries(store, "foreign_invoice_rejected")] == ["nyc|9"]


def test_one_answer_cannot_cover_two_clients(client, store):
    data = _answer_form(client.get("/jobs").text, "Acme, Inc.")
    data["invoice_key"] = ["nyc|1", "nyc|4"]
    response = client.post("/updates", data=data, follow_redirects=False)
    assert response.status_code == 400 and "One client per answer" in response.text
    assert director_updates.after(store, 0, 10) == []


def test_an_answer_without_a_ticked_invoice_comes_back_with_the_clients_form(client, store):
    data = _answer_form(client.get("/jobs").text, "Acme, Inc.")
    del data["invoice_key"]
    response = client.post("/updates", data=data, follow_redirects=False)
    assert response.status_code == 400
    assert "Tick at least one invoice this answer is for." in response.text
    assert "Acme, Inc." in response.text and response.text.count('type="checkbox"') == 3
    assert "checked" not in response.text.split("<form", 1)[0].split('class="invoices"', 1)[1]
    assert director_updates.after(store, 0, 10) == []


def test_a_promise_over_invoices_in_two_currencies_is_refused(portal_settings, store):
    director_jobs.publish(
        store,
        [
            job("nyc|1", DANA, account_id="001A", currency="USD"),
            job("ldn|1", DANA, account_id="001A", currency="GBP"),
        ],
        STATUSES,
        NEW_YORK_POLICY,
    )
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as client:
        sign_in(client, portal_settings, DANA)
        data = _answer_form(client.get("/jobs").text, "Acme, Inc.")
        data["promised_amount"] = "100"
        response = client.post("/updates", data=data, follow_redirects=False)
    assert response.status_code == 400
    assert "These invoices are in GBP and USD" in response.text
    assert director_updates.after(store, 0, 10) == []


def test_the_collectors_questions_are_asked_once_per_client_with_the_invoices_they_are_about():
    from portal.clients import group_by_client

    now = dt.datetime.now(dt.UTC)
    jobs = [
        job(f"nyc|{n}", DANA, account_id="001A", question=q)
        for n, q in ((1, "Why?"), (2, "When?"), (3, "Why?"))
    ]
    [client] = group_by_client(jobs, {}, now)
    assert client.questions == [("Why?", ["INV-1", "INV-3"]), ("When?", ["INV-2"])]
    answered = {"nyc|2": new_update("a" * 32, invoice_key="nyc|2", submitted_at=now)}
    [client] = group_by_client(jobs, answered, now)
    assert client.questions == [("Why?", ["INV-1", "INV-3"])]  # an answered invoice is not asked again
