"""Every attack on the collector workbench and the team view, each in its own test: all must fail."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time

from itsdangerous import URLSafeTimedSerializer

from portal.links import LINK_SALT, STAFF_LINK_SALTS
from portal.ratelimit import MAX_FAILURES
from portal.security import CONTENT_SECURITY_POLICY
from portal.store import audit_log, collector_entries, link_versions, team, workbench
from tests.portal import workbench_factories
from tests.portal.portal_factories import DANA, mint, sign_in
from tests.portal.workbench_factories import (
    AVERY,
    FIONA,
    HARRIET,
    ITEMS,
    MEMBERS,
    MORGAN,
    WHITFIELD,
    entry_form,
    mint_staff,
    sign_in_staff,
)

# Fixtures shared by the workbench tests.
workbench_store = workbench_factories.workbench_store
workbench_client = workbench_factories.workbench_client

INVALID_MARK = "How to get a new link"
SOON = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def _refused(client, response) -> None:
    assert response.status_code == 403
    assert INVALID_MARK in response.text
    assert "ll_staff" not in response.headers.get("set-cookie", "")
    assert client.get("/workbench").status_code == 401


def _promise(client, account_id: str = "ACC-1") -> dict[str, str]:
    data = entry_form(client.get("/workbench/account", params={"account_id": account_id}).text, "promise")
    data.update(promised_amount="100.00", currency="USD", promised_date=SOON)
    return data


# director and staff tokens never cross -------------------------------------------------------------
def test_director_link_does_not_open_the_collector_door(workbench_client, portal_settings):
    _refused(workbench_client, workbench_client.get(f"/c/{mint(portal_settings, AVERY)}"))


def test_director_session_does_not_reach_collector_pages(workbench_client, portal_settings):
    sign_in(workbench_client, portal_settings, DANA)
    assert workbench_client.get("/jobs").status_code == 200
    for path in ("/workbench", "/workbench/account?account_id=ACC-1", "/workbench/entries/1", "/team"):
        response = workbench_client.get(path)
        assert response.status_code == 401, path
        assert INVALID_MARK in response.text


def test_director_session_cookie_under_the_staff_cookie_name_is_refused(workbench_client, portal_settings):
    sign_in(workbench_client, portal_settings, DANA)
    workbench_client.cookies.set("ll_staff", workbench_client.cookies.get("ll_session"))
    assert workbench_client.get("/workbench").status_code == 401


def test_collector_link_does_not_open_the_director_door(workbench_client, portal_settings):
    response = workbench_client.get(f"/d/{mint_staff(portal_settings, 'collector', AVERY)}")
    assert response.status_code == 403
    assert workbench_client.get("/jobs").status_code == 401


def test_collector_session_does_not_reach_director_pages(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    assert workbench_client.get("/workbench").status_code == 200
    assert workbench_client.get("/jobs").status_code == 401


def test_collector_link_does_not_open_the_manager_door(workbench_client, portal_settings):
    response = workbench_client.get(f"/m/{mint_staff(portal_settings, 'collector', AVERY)}")
    assert response.status_code == 403
    assert workbench_client.get("/team").status_code == 401


def test_collector_session_does_not_reach_the_team_view(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    assert workbench_client.get("/team").status_code == 401
    assert workbench_client.get("/team/collector", params={"name": "Harriet Cole"}).status_code == 401


def test_manager_session_does_not_reach_collector_pages(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    assert workbench_client.get("/team").status_code == 200
    assert workbench_client.get("/workbench").status_code == 401
    assert workbench_client.post("/workbench/entries", data={}).status_code in (401, 403)


def test_manager_link_for_a_collector_only_email_is_refused(workbench_client, portal_settings):
    _refused(workbench_client, workbench_client.get(f"/m/{mint_staff(portal_settings, 'manager', AVERY)}"))


# forged, tampered, expired, revoked, off the roster -----------------------------------------------
def test_forged_collector_token_is_refused(workbench_client):
    _refused(workbench_client, workbench_client.get("/c/eyJyIjoiY29sbGVjdG9yIn0.Zm9v.YmFy"))


def test_collector_token_with_tampered_email_is_refused(workbench_client, portal_settings):
    payload, stamp, signature = mint_staff(portal_settings, "collector", AVERY).split(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({"r": "collector", "e": HARRIET, "v": 1}, separators=(",", ":")).encode()
    )
    _refused(workbench_client, workbench_client.get(f"/c/{forged.decode().rstrip('=')}.{stamp}.{signature}"))


def test_collector_payload_signed_with_the_director_salt_is_refused(workbench_client, portal_settings):
    token = URLSafeTimedSerializer(portal_settings.secret_key, salt=LINK_SALT).dumps(
        {"r": "collector", "e": AVERY, "v": 1}
    )
    assert LINK_SALT not in STAFF_LINK_SALTS.values()
    _refused(workbench_client, workbench_client.get(f"/c/{token}"))


def test_expired_collector_token_is_refused(workbench_client, portal_settings, monkeypatch):
    issued = time.time() - (portal_settings.link_max_age_days + 1) * 86_400
    monkeypatch.setattr(time, "time", lambda: issued)
    token = mint_staff(portal_settings, "collector", AVERY)
    monkeypatch.undo()
    _refused(workbench_client, workbench_client.get(f"/c/{token}"))


def test_revoked_collector_link_is_refused_and_revocation_ends_the_session(
    workbench_client, portal_settings, workbench_store
):
    old = mint_staff(portal_settings, "collector", AVERY, version=1)
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    assert workbench_client.get("/workbench").status_code == 200
    assert link_versions.revoke(workbench_store, AVERY) == 2
    assert workbench_client.get("/workbench").status_code == 401
    _refused(workbench_client, workbench_client.get(f"/c/{old}"))
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY, version=2)
    assert workbench_client.get("/workbench").status_code == 200


def test_collector_taken_off_the_roster_loses_the_session(workbench_client, portal_settings, workbench_store):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    team.publish_roster(workbench_store, [m for m in MEMBERS if m.email != AVERY])
    assert workbench_client.get("/workbench").status_code == 401
    _refused(workbench_client, workbench_client.get(f"/c/{mint_staff(portal_settings, 'collector', AVERY)}"))


def test_forged_staff_session_cookies_count_toward_the_link_rate_limit(
    workbench_client, portal_settings, caplog
):
    with caplog.at_level(logging.WARNING, logger="portal.links"):
        for n in range(MAX_FAILURES):
            workbench_client.cookies.set("ll_staff", f"eyJyIjoiY29sbGVjdG9yIn0.Zm9v.guess{n}")
            assert workbench_client.get("/workbench").status_code == 401
    assert caplog.text.count("forged workbench session cookie") == MAX_FAILURES
    workbench_client.cookies.clear()
    assert workbench_client.get("/c/one-guess-too-many").status_code == 429
    assert workbench_client.get(f"/c/{mint_staff(portal_settings, 'collector', AVERY)}").status_code == 200


# one collector never reads or writes another's accounts ------------------------------------------
def test_collector_cannot_open_another_collectors_account_by_url(
    workbench_client, portal_settings, workbench_store, caplog
):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    with caplog.at_level(logging.WARNING, logger="portal.workbench"):
        response = workbench_client.get("/workbench/account", params={"account_id": "ACC-9"})
    assert response.status_code == 404
    assert "Secret London Client" not in response.text and "London secret event" not in response.text
    assert "ACC-9" in caplog.text
    [audit] = audit_log.entries(workbench_store, "foreign_account_rejected", account_id="ACC-9")
    assert audit.actor == AVERY


def test_unknown_account_gets_the_same_refusal_as_a_foreign_one(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    foreign = workbench_client.get("/workbench/account", params={"account_id": "ACC-9"})
    unknown = workbench_client.get("/workbench/account", params={"account_id": "ACC-404"})
    assert (foreign.status_code, foreign.text) == (unknown.status_code, unknown.text)


def test_collector_cannot_post_an_entry_for_another_collectors_account(
    workbench_client, portal_settings, workbench_store
):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    data = _promise(workbench_client)
    data.update(account_id="ACC-9", currency="GBP")
    response = workbench_client.post("/workbench/entries", data=data, follow_redirects=False)
    assert response.status_code == 404
    assert "Secret London Client" not in response.text
    assert collector_entries.after(workbench_store, 0, 10) == []


def test_collector_cannot_name_another_collectors_invoice_on_their_own_account(
    workbench_client, portal_settings, workbench_store
):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    data = entry_form(
        workbench_client.get("/workbench/account", params={"account_id": "ACC-1"}).text, "dispute"
    )
    data.update(invoice_key="LDN|901", dispute_reason="x", dispute_evidence="y", dispute_deadline=SOON)
    response = workbench_client.post("/workbench/entries", data=data, follow_redirects=False)
    assert response.status_code == 400
    assert "Choose one of the listed invoices." in response.text
    assert collector_entries.after(workbench_store, 0, 10) == []
    rejected = audit_log.entries(workbench_store, "foreign_invoice_rejected", actor=AVERY)
    assert [e.subject for e in rejected] == ["LDN|901"]


def test_collector_identity_in_the_form_is_ignored(workbench_client, portal_settings, workbench_store):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    data = _promise(workbench_client)
    data.update(collector_email=HARRIET, collector="Harriet Cole")
    assert workbench_client.post("/workbench/entries", data=data, follow_redirects=False).status_code == 303
    [saved] = collector_entries.after(workbench_store, 0, 10)
    assert (saved.collector_email, saved.collector) == (AVERY, "Avery Brooks")


def test_collector_cannot_read_another_collectors_confirmation(
    workbench_client, portal_settings, workbench_store
):
    sign_in_staff(workbench_client, portal_settings, "collector", HARRIET)
    data = entry_form(workbench_client.get("/workbench/account", params={"account_id": "ACC-9"}).text, "note")
    data.update(note="London only")
    location = workbench_client.post("/workbench/entries", data=data, follow_redirects=False).headers[
        "location"
    ]
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    response = workbench_client.get(location)
    assert response.status_code == 404 and "London only" not in response.text


def test_collector_worklist_shows_only_their_own_items(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    page = workbench_client.get("/workbench").text
    assert "Acme Builders" in page and "INV-201" in page
    assert "Secret London Client" not in page and "INV-901" not in page


# managers see their office only ------------------------------------------------------------------
def test_manager_of_nyc_cannot_read_a_london_collectors_list(
    workbench_client, portal_settings, workbench_store
):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    response = workbench_client.get("/team/collector", params={"name": "Harriet Cole"})
    assert response.status_code == 404
    assert "Secret London Client" not in response.text
    rejected = audit_log.entries(workbench_store, "foreign_collector_rejected", actor=MORGAN)
    assert [e.subject for e in rejected] == ["Harriet Cole"]


def test_manager_of_nyc_sees_only_nyc_collectors_in_the_workload(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    page = workbench_client.get("/team").text
    assert "Avery Brooks" in page
    assert "Harriet Cole" not in page and "unassigned" not in page
    assert workbench_client.get("/team/collector", params={"name": "Avery Brooks"}).status_code == 200


def test_manager_of_london_cannot_read_a_new_york_collectors_list(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", FIONA)
    assert workbench_client.get("/team/collector", params={"name": "Avery Brooks"}).status_code == 404
    assert workbench_client.get("/team/collector", params={"name": "Harriet Cole"}).status_code == 200


def test_manager_without_an_office_sees_every_collector(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", WHITFIELD)
    page = workbench_client.get("/team").text
    assert all(name in page for name in ("Avery Brooks", "Harriet Cole", "unassigned"))
    london = workbench_client.get("/team/collector", params={"name": "Harriet Cole"})
    assert london.status_code == 200 and "Secret London Client" in london.text


def test_manager_view_of_a_collectors_list_has_no_forms(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    page = workbench_client.get("/team/collector", params={"name": "Avery Brooks"}).text
    assert "Acme Builders" in page and "<form" not in page and "/workbench/account" not in page


# forms and headers -------------------------------------------------------------------------------
def test_entry_post_without_csrf_token_is_refused(workbench_client, portal_settings, workbench_store):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    data = _promise(workbench_client)
    data.pop("_csrf_token")
    assert workbench_client.post("/workbench/entries", data=data).status_code == 403
    assert collector_entries.after(workbench_store, 0, 10) == []


def test_workbench_pages_send_the_strict_security_headers(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    for path in ("/workbench", "/workbench/account?account_id=ACC-1"):
        headers = workbench_client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert headers["x-frame-options"] == "DENY"


def test_workbench_escapes_what_the_data_and_collectors_wrote(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    data = entry_form(workbench_client.get("/workbench/account", params={"account_id": "ACC-2"}).text, "note")
    data.update(note="<script>alert(1)</script>")
    location = workbench_client.post("/workbench/entries", data=data, follow_redirects=False).headers[
        "location"
    ]
    for page in (
        workbench_client.get(location).text,
        workbench_client.get("/workbench").text,
        workbench_client.get("/workbench/account", params={"account_id": "ACC-2"}).text,
    ):
        assert "<script>alert(1)</script>" not in page and "Bolt & Sons <b>" not in page
    assert "&lt;script&gt;" in workbench_client.get(location).text
    assert len(ITEMS) == 4


def test_manager_reads_an_account_of_their_team_without_any_form(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    page = workbench_client.get("/team/collector", params={"name": "Avery Brooks"}).text
    assert 'href="/team/account?collector=Avery%20Brooks&amp;account_id=ACC-1"' in page
    response = workbench_client.get(
        "/team/account", params={"collector": "Avery Brooks", "account_id": "ACC-1"}
    )
    assert response.status_code == 200
    assert "Acme timeline note" in response.text and "INV-101" in response.text
    assert "<form" not in response.text


def test_manager_of_nyc_cannot_read_a_london_account_by_naming_any_collector(
    workbench_client, portal_settings
):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    for collector in ("Harriet Cole", "Avery Brooks", ""):
        response = workbench_client.get(
            "/team/account", params={"collector": collector, "account_id": "ACC-9"}
        )
        assert response.status_code == 404, collector
        assert "Secret London Client" not in response.text and "London secret event" not in response.text


# an account shared by two collectors ---------------------------------------------------------------
def test_collector_cannot_resolve_a_dispute_on_another_collectors_invoice_of_a_shared_account(
    workbench_client, portal_settings, workbench_store
):
    shared = workbench_factories.item("Harriet Cole", 2, "LDN|902", "ACC-1", account_name="Acme Builders")
    workbench.publish(
        workbench_store,
        MEMBERS, [*ITEMS, shared], workbench_factories.EVENTS, workbench_factories.WORKLOAD
    )
    sign_in_staff(workbench_client, portal_settings, "collector", HARRIET)
    page = workbench_client.get("/workbench/account", params={"account_id": "ACC-1"}).text
    data = entry_form(page, "dispute")
    data.update(
        invoice_key="LDN|902", dispute_reason="Wrong rate", dispute_evidence="PO 7", dispute_deadline=SOON
    )
    assert workbench_client.post("/workbench/entries", data=data, follow_redirects=False).status_code == 303

    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    page = workbench_client.get("/workbench/account", params={"account_id": "ACC-1"}).text
    assert 'value="LDN|902"' not in page  # not offered to Avery for resolution
    resolution = entry_form(page, "dispute")
    resolution.update(kind="dispute_resolution", invoice_key="LDN|902", resolution="Waived it")
    response = workbench_client.post("/workbench/entries", data=resolution, follow_redirects=False)
    assert response.status_code == 400
    assert [e.kind for e in collector_entries.after(workbench_store, 0, 10)] == ["dispute"]
    assert list(collector_entries.open_disputes(workbench_store, "ACC-1")) == ["LDN|902"]
