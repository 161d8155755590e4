"""What a director sees and does: their jobs, the form, errors, the confirmation."""

from __future__ import annotations

import datetime as dt
import logging
import re

from litestar.testing import TestClient

from portal.app import create_app
from portal.store import director_jobs, director_updates
from tests.portal.portal_factories import (
    ANSWER_FIELDS,
    DANA,
    NEW_YORK_POLICY,
    STATUSES,
    form_fields,
    job,
    sign_in,
)


def _submit(client, invoice_number="INV-123", **fields):
    page = client.get("/jobs")
    data = form_fields(page.text, invoice_number)
    data.update(ANSWER_FIELDS)
    data.update(fields)
    return client.post("/updates", data=data, follow_redirects=False), data


def test_jobs_page_lists_only_the_directors_jobs_with_their_facts(client, portal_settings):
    sign_in(client, portal_settings, DANA)
    page = client.get("/jobs")
    assert page.status_code == 200
    for fact in [
        "Acme, Inc.",
        "Bolt LLC",
        "INV-123",
        "INV-456",
        "1,234.56",
        "1,000.00",
        "53 days past due",
        "When will the client pay?",
        "Bridge",
        "Chris",
    ]:
        assert fact in page.text
    assert "Secret Client Corp" not in page.text and "INV-789" not in page.text
    assert page.text.count('<form method="post" action="/updates"') == 2
    assert page.text.index("INV-123") < page.text.index("INV-456")  # most overdue first


def test_jobs_page_has_a_label_for_every_field(client, portal_settings):
    sign_in(client, portal_settings)
    page = client.get("/jobs").text
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', page)
    assert ids
    for field_id in ids:
        assert f'<label for="{field_id}">' in page


def test_link_sets_httponly_strict_session_and_leaves_for_a_url_without_the_token(client, portal_settings):
    from tests.portal.portal_factories import mint

    token = mint(portal_settings, DANA)
    response = client.get(f"/d/{token}")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "ll_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert '<meta http-equiv="refresh" content="0; url=/jobs">' in response.text
    assert token not in response.text
    assert client.get("/jobs").status_code == 200


def test_submit_then_confirmation_shows_what_was_saved(client, portal_settings, seeded_store):
    sign_in(client, portal_settings)
    response, _ = _submit(client, note="Client pays Friday", promised_amount="1,000.50")
    assert response.status_code == 303
    assert re.fullmatch(r"/updates/\d+", response.headers["location"])
    confirmation = client.get(response.headers["location"])
    assert confirmation.status_code == 200
    assert "your update was received" in confirmation.text
    assert "Client pays Friday" in confirmation.text and "USD 1,000.50" in confirmation.text
    [saved] = director_updates.after(seeded_store, 0, 10)
    assert (saved.director_email, saved.invoice_key, saved.status) == (DANA, "new-york|123", "Will pay")
    assert str(saved.promised_amount) == "1000.50"


def test_double_submit_stores_once(client, portal_settings, seeded_store):
    sign_in(client, portal_settings)
    first, data = _submit(client, note="once")
    second = client.post("/updates", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(director_updates.after(seeded_store, 0, 10)) == 1


def test_validation_errors_appear_next_to_fields_and_keep_input(client, portal_settings, seeded_store):
    sign_in(client, portal_settings)
    response, _ = _submit(
        client,
        status="",
        note="Keep this note",
        promised_amount="twelve",
        expected_payment_date="31/12/2099",
        blocker="Waiting on QA",
    )
    assert response.status_code == 400
    page = response.text
    assert 'id="status-1-error">Choose a status.' in page
    assert 'id="promised_amount-1-error">Enter an amount in numbers' in page
    assert 'id="expected_payment_date-1-error">Enter a date as YYYY-MM-DD' in page
    assert ">Keep this note</textarea>" in page and 'value="twelve"' in page and 'value="31/12/2099"' in page
    assert ">Waiting on QA</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert director_updates.after(seeded_store, 0, 10) == []


def test_corrected_form_after_errors_stores_once(client, portal_settings, seeded_store):
    sign_in(client, portal_settings)
    bad, data = _submit(client, status="")
    assert bad.status_code == 400
    kept = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', bad.text))
    assert kept["submission_id"] == data["submission_id"]
    good = client.post("/updates", data={**data, "status": "Disputed"}, follow_redirects=False)
    again = client.post("/updates", data={**data, "status": "Disputed"}, follow_redirects=False)
    assert good.status_code == again.status_code == 303
    assert [u.status for u in director_updates.after(seeded_store, 0, 10)] == ["Disputed"]


def test_confirmation_of_another_directors_update_is_not_found(client, portal_settings, seeded_store):
    from tests.portal.portal_factories import ERIN, new_update

    update_id = director_updates.record(
        seeded_store,
        new_update("e" * 32, invoice_key="boston|789", director_email=ERIN, note="Erin private note")
    )
    sign_in(client, portal_settings, DANA)
    response = client.get(f"/updates/{update_id}")
    assert response.status_code == 404
    assert "Erin private note" not in response.text


def test_confirmation_of_an_out_of_range_update_id_is_not_found(client, portal_settings, caplog):
    sign_in(client, portal_settings, DANA)
    with caplog.at_level(logging.ERROR, logger="portal.app"):
        for update_id in ["0", "-1", "9" * 30]:
            assert client.get(f"/updates/{update_id}").status_code == 404
    assert [r for r in caplog.records if r.name == "portal.app"] == []


def test_healthz_answers_200(client):
    assert client.get("/healthz").status_code == 200


def test_root_leads_to_jobs(client, portal_settings):
    sign_in(client, portal_settings)
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/jobs")


def test_the_teams_today_is_not_the_past_at_8_pm_in_new_york(portal_settings, seeded_store, monkeypatch):
    """The form's "today" is the team's day (the published time zone), not the UTC day: at 20:00
    on 5 December in New York it is already the 6th in UTC."""
    director_jobs.publish(seeded_store, [job("new-york|123", DANA, account_name="Acme, Inc.")], STATUSES,
                          NEW_YORK_POLICY)
    evening = dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("portal.local_time._utc_now", lambda: evening)
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as client:
        sign_in(client, portal_settings, DANA)
        refused, _ = _submit(client, expected_payment_date="2026-12-04")  # yesterday there
        assert "cannot be in the past" in refused.text
        accepted, _ = _submit(client, expected_payment_date="2026-12-05")
        assert accepted.status_code in (302, 303), accepted.text
    [stored] = director_updates.after(seeded_store, 0, 10)
    assert (stored.expected_payment_date, stored.submitted_at) == (dt.date(2026, 12, 5), evening)
