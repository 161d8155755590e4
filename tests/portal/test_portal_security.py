"""Every attack on the director portal, each in its own test: all of them must fail."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from portal.links import LINK_SALT
from portal.ratelimit import MAX_FAILURES
from portal.security import CONTENT_SECURITY_POLICY
from portal.store import audit_log, connect, director_jobs, director_updates, link_versions
from tests.portal.portal_factories import DANA, ERIN, STATUSES, form_fields, job, mint, settings_for, sign_in

INVALID_MARK = "How to get a new link"


def _assert_refused_without_session(client, response):
    assert response.status_code == 403
    assert INVALID_MARK in response.text
    assert "set-cookie" not in response.headers or "ll_session" not in response.headers["set-cookie"]
    assert client.get("/jobs").status_code == 401


def test_forged_token_is_refused(client):
    _assert_refused_without_session(
        client, client.get("/d/eyJkIjoiZGFuYUBleGFtcGxlLmNvbSIsInYiOjF9.Zm9v.YmFy")
    )


def test_token_signed_with_another_key_is_refused(client, portal_settings, tmp_path):
    other = settings_for(tmp_path / "other", secret="another-secret-key-that-is-long-enough-000")
    _assert_refused_without_session(client, client.get(f"/d/{mint(other, DANA)}"))


def test_token_with_tampered_payload_is_refused(client, portal_settings):
    token = mint(portal_settings, ERIN)
    payload, stamp, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"d": DANA, "v": 1}, separators=(",", ":")).encode())
    tampered = ".".join([forged.decode().rstrip("="), stamp, signature])
    _assert_refused_without_session(client, client.get(f"/d/{tampered}"))


def test_token_with_same_key_but_another_salt_is_refused(client, portal_settings):
    other_purpose = URLSafeTimedSerializer(portal_settings.secret_key, salt="something-else").dumps(
        {"d": DANA, "v": 1}
    )
    assert LINK_SALT != "something-else"
    _assert_refused_without_session(client, client.get(f"/d/{other_purpose}"))


def test_expired_token_is_refused(client, portal_settings, monkeypatch):
    issued = time.time() - (portal_settings.link_max_age_days + 1) * 86_400
    monkeypatch.setattr(time, "time", lambda: issued)
    token = mint(portal_settings, DANA)
    monkeypatch.undo()
    _assert_refused_without_session(client, client.get(f"/d/{token}"))


def test_revoked_token_is_refused_and_revocation_ends_the_session(client, portal_settings, seeded_store):
    old = mint(portal_settings, DANA, version=1)
    sign_in(client, portal_settings, DANA, version=1)
    assert client.get("/jobs").status_code == 200
    assert link_versions.revoke(seeded_store, DANA) == 2
    assert client.get("/jobs").status_code == 401
    _assert_refused_without_session(client, client.get(f"/d/{old}"))
    sign_in(client, portal_settings, DANA, version=2)
    assert client.get("/jobs").status_code == 200


def test_refusal_page_is_the_same_for_unknown_forged_expired_and_revoked(
    client, portal_settings, seeded_store, monkeypatch
):
    revoked = mint(portal_settings, ERIN, 1)
    link_versions.revoke(seeded_store, ERIN)
    unknown_version = mint(portal_settings, "nobody@example.com", 7)
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)
    expired = mint(portal_settings, DANA)
    monkeypatch.undo()
    pages = {client.get(f"/d/{token}").text for token in [revoked, unknown_version, expired, "garbage"]}
    assert len(pages) == 1
    page = pages.pop()
    assert "erin" not in page.lower() and "dana" not in page.lower() and "nobody" not in page


def test_forged_session_cookie_is_refused(client):
    client.cookies.set("ll_session", "eyJkIjoiZGFuYUBleGFtcGxlLmNvbSIsInYiOjF9.Zm9v.YmFy")
    response = client.get("/jobs")
    assert response.status_code == 401
    assert INVALID_MARK in response.text


def test_forged_session_cookies_count_toward_the_link_rate_limit(client, portal_settings, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.links"):
        for n in range(MAX_FAILURES):
            client.cookies.set("ll_session", f"eyJkIjoiZGFuYUBleGFtcGxlLmNvbSIsInYiOjF9.Zm9v.guess{n}")
            assert client.get("/jobs").status_code == 401
    assert caplog.text.count("forged session cookie from testclient") == MAX_FAILURES
    client.cookies.clear()
    assert client.get("/d/one-guess-too-many").status_code == 429
    assert client.get(f"/d/{mint(portal_settings, DANA)}").status_code == 200  # a valid link still opens


def test_expired_or_revoked_session_cookie_is_not_counted_as_an_attack(
    client, portal_settings, seeded_store, monkeypatch
):
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)
    sign_in(client, portal_settings, ERIN)
    monkeypatch.undo()
    for _ in range(MAX_FAILURES):
        assert client.get("/jobs").status_code == 401  # expired session
    sign_in(client, portal_settings, DANA)
    link_versions.revoke(seeded_store, DANA)
    for _ in range(MAX_FAILURES):
        assert client.get("/jobs").status_code == 401  # revoked session
    assert client.get(f"/d/{mint(portal_settings, DANA, version=2)}").status_code == 200


def test_link_token_cannot_be_used_as_a_session_cookie(client, portal_settings):
    client.cookies.set("ll_session", mint(portal_settings, DANA))
    assert client.get("/jobs").status_code == 401


def test_another_directors_invoice_key_in_the_form_is_refused(client, portal_settings, seeded_store, caplog):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    data.update({"invoice_key": "boston|789", "status": "Already paid", "note": "mine now"})
    with caplog.at_level(logging.WARNING, logger="portal.jobs"):
        response = client.post("/updates", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "Secret Client Corp" not in response.text
    assert director_updates.after(seeded_store, 0, 10) == []
    assert "boston|789" in caplog.text
    assert [e.subject for e in audit_log.entries(seeded_store, "foreign_invoice_rejected")] == ["boston|789"]


def test_director_email_in_the_form_is_ignored(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    data.update({"status": "Will pay", "director_email": ERIN})
    assert client.post("/updates", data=data, follow_redirects=False).status_code == 303
    assert [u.director_email for u in director_updates.after(seeded_store, 0, 10)] == [DANA]


def test_post_without_csrf_token_is_refused(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    del data["_csrf_token"]
    response = client.post("/updates", data={**data, "status": "Will pay"}, follow_redirects=False)
    assert response.status_code == 403
    assert director_updates.after(seeded_store, 0, 10) == []


def test_post_with_a_wrong_csrf_token_is_refused(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    data["_csrf_token"] = "0" * 64
    response = client.post("/updates", data={**data, "status": "Will pay"}, follow_redirects=False)
    assert response.status_code == 403
    assert director_updates.after(seeded_store, 0, 10) == []


def test_xss_in_a_note_is_shown_escaped(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post("/updates", data={**data, "status": "Will pay", "note": attack})
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    assert director_updates.after(seeded_store, 0, 10)[0].note == attack


def test_xss_in_published_job_facts_is_shown_escaped(portal_settings, seeded_store):
    from litestar.testing import TestClient

    from portal.app import create_app
    from tests.portal.portal_factories import STATUSES, job

    director_jobs.publish(
        seeded_store,
        [job(account_name="<b onmouseover=alert(1)>Evil</b>", question="<script>steal()</script>")], STATUSES
    )
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as client:
        sign_in(client, portal_settings, DANA)
        page = client.get("/jobs").text
    assert "<script>steal()" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;steal()&lt;/script&gt;" in page


def test_sql_looking_input_is_stored_verbatim(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    injection = "'); DROP TABLE director_updates; -- \" OR 1=1"
    response = client.post(
        "/updates",
        data={**data, "status": "Will pay", "note": injection, "blocker": "x' OR '1'='1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [saved] = director_updates.after(seeded_store, 0, 10)
    assert (saved.note, saved.blocker) == (injection, "x' OR '1'='1")
    assert len(director_jobs.for_director(seeded_store, DANA)) == 2


def test_oversized_form_body_is_refused_before_it_is_parsed(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    response = client.post("/updates", data={**data, "status": "Will pay", "note": "x" * 200_000},
                           follow_redirects=False)
    assert response.status_code == 413
    assert "x" * 100 not in response.text
    assert director_updates.after(seeded_store, 0, 10) == []


def test_largest_honest_form_is_accepted(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    data = form_fields(client.get("/jobs").text, "INV-123")
    wide = "\U0001f600"  # 4 bytes in UTF-8, 12 once percent-encoded
    fields = {"status": "Will pay", "note": wide * 2000, "dispute_reason": wide * 1000,
              "blocker": wide * 1000}
    response = client.post("/updates", data={**data, **fields}, follow_redirects=False)
    assert response.status_code == 303
    assert director_updates.after(seeded_store, 0, 10)[0].note == wide * 2000


def test_brute_force_on_links_is_rate_limited_and_logged(client, portal_settings, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.links"):
        statuses = [client.get(f"/d/guess-{n}").status_code for n in range(MAX_FAILURES)]
        blocked = client.get("/d/guess-one-more")
    assert statuses == [403] * MAX_FAILURES
    assert blocked.status_code == 429
    assert "too many attempts" in blocked.text
    assert "ll_session" not in blocked.headers.get("set-cookie", "")
    assert client.get(f"/d/{mint(portal_settings, DANA)}").status_code == 200  # never a valid link
    assert caplog.text.count("director link rejected from testclient") == MAX_FAILURES
    assert "over the failure limit" in caplog.text


def test_failed_link_attempts_are_audited(client, seeded_store):
    client.get("/d/nonsense")
    [entry] = audit_log.entries(seeded_store, "link_rejected")
    assert entry.actor == "client:testclient" and entry.subject == "invalid signature or payload"


@pytest.mark.parametrize("path", ["/healthz", "/jobs", "/d/bad-token", "/static/portal.css", "/no-such-page"])
def test_security_headers_are_on_every_response(client, path):
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert (
        "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    )
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in headers  # plain HTTP here: HSTS only over HTTPS


def test_pages_carry_no_inline_script_or_style(client, portal_settings):
    sign_in(client, portal_settings, DANA)
    for page in [client.get("/jobs").text, client.get("/d/x").text]:
        assert "<script" not in page and "style=" not in page and "<style" not in page


def test_session_cookie_is_secure_when_the_portal_is_served_over_https(tmp_path):
    from dataclasses import replace

    from litestar.testing import TestClient

    from portal.app import create_app

    settings = replace(settings_for(tmp_path), base_url="https://portal.example.com")
    connect(settings.db_url).close()
    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        cookie = client.get(f"/d/{mint(settings, DANA)}").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_audit_records_link_openings(client, portal_settings, seeded_store):
    sign_in(client, portal_settings, DANA)
    [entry] = audit_log.entries(seeded_store, "link_opened")
    assert entry.actor == DANA and entry.at <= dt.datetime.now(dt.UTC)


def test_cookies_over_https_are_host_only_so_a_sibling_subdomain_cannot_plant_them(tmp_path):
    from dataclasses import replace

    from litestar.testing import TestClient

    from portal.app import create_app

    settings = replace(settings_for(tmp_path), base_url="https://portal.example.com")
    store = connect(settings.db_url)
    director_jobs.publish(store, [job()], STATUSES)
    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        opened = client.get(f"/d/{mint(settings, DANA)}")
        page = client.get("/jobs")
        set_cookies = opened.headers.get_list("set-cookie") + page.headers.get_list("set-cookie")
        names = {header.split("=", 1)[0] for header in set_cookies}
        assert names == {"__Host-ll_session", "__Host-csrftoken"}
        assert all("Path=/" in h and "Domain" not in h and "Secure" in h for h in set_cookies)
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        data = form_fields(page.text, "INV-123")
        response = client.post("/updates", data={**data, "status": "Will pay"}, follow_redirects=False)
        assert response.status_code == 303
        # A cookie without the prefix (as a sibling subdomain could set one) opens nothing.
        session = client.cookies.get("__Host-ll_session")
        client.cookies.clear()
        client.cookies.set("ll_session", session)
        assert client.get("/jobs").status_code == 401
    store.close()
