"""The collector's "Drafts to approve" page: only their accounts' dunning drafts, each previewed and
approved once with CSRF, audited; another collector's draft stays out of reach."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from notifications.dunning_drafts import account_drafts
from portal.security import CONTENT_SECURITY_POLICY
from portal.store import audit_log
from tests.notifications.dunning_draft_factories import write_email, write_letter, write_sms
from tests.portal import workbench_factories
from tests.portal.portal_factories import DANA, sign_in
from tests.portal.workbench_factories import AVERY, HARRIET, sign_in_staff

# Fixtures shared by the workbench tests.
workbench_store = workbench_factories.workbench_store
workbench_client = workbench_factories.workbench_client

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
GONE = "no longer waiting for approval"


@pytest.fixture
def drafts(portal_settings):
    """Avery's account ACC-1 has an email, an SMS and a letter waiting; Harriet's ACC-9 has an email
    and a letter."""
    home = portal_settings.home
    return {
        "email": write_email(
            home,
            "ACC-1",
            ["NYC|101", "NYC|102"],
            subject="Reminder for Acme Builders",
            text="Dear Acme,\nINV-101 and INV-102 are past due.\n",
        ),
        "sms": write_sms(home, "ACC-1", ["NYC|101"], text="Acme: INV-101 is past due, please pay."),
        "letter": write_letter(home, "ACC-1", ["NYC|102"]),
        "foreign_email": write_email(
            home, "ACC-9", ["LDN|901"], subject="Secret London reminder", text="Secret London body\n"
        ),
        "foreign_letter": write_letter(home, "ACC-9", ["LDN|901"], subject="Secret London letter"),
    }


def _approve_form(html: str, label: str) -> dict[str, str]:
    """The hidden fields of the Approve form of the draft named `label`."""
    for form in re.findall(r"<form.*?</form>", html, flags=re.S):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        if fields.get("draft") == label:
            return fields
    raise AssertionError(f"no Approve form for {label} on the page")


def _csrf(client) -> str:
    html = client.get("/workbench/drafts").text
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def _waiting(portal_settings) -> set[str]:
    return {d.label for d in account_drafts(portal_settings.home, None)}


def _signed_in(client, settings, email=AVERY) -> None:
    sign_in_staff(client, settings, "collector", email)


# the page --------------------------------------------------------------------------------------------
def test_worklist_links_to_the_drafts_page(workbench_client, portal_settings):
    _signed_in(workbench_client, portal_settings)
    assert 'href="/workbench/drafts"' in workbench_client.get("/workbench").text


def test_drafts_page_lists_every_channel_of_the_collectors_accounts_with_a_preview(
    workbench_client, portal_settings, drafts
):
    _signed_in(workbench_client, portal_settings)
    response = workbench_client.get("/workbench/drafts")
    assert response.status_code == 200
    page = response.text
    assert "3 reminders to your accounts wait for your approval" in page
    assert "Reminder for Acme Builders" in page
    assert "ap@customer.example.com" in page
    assert "INV-101 and INV-102 are past due." in page  # the email's text part
    assert "Acme: INV-101 is past due, please pay." in page  # the SMS text
    assert "1 segment (GSM-7)" in page
    assert "INV-101, INV-102" in page  # the invoices, by number
    assert "2026-11-24 14:00 UTC" in page
    assert "Payment reminder: ACC-1" in page and "+15550100" in page
    assert f'href="/workbench/drafts/letter.pdf?draft={drafts["letter"].replace(":", "%3A")}"' in page
    for label in ("email", "sms", "letter"):
        assert _approve_form(page, drafts[label])["_csrf_token"]
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_drafts_page_never_shows_another_collectors_drafts(workbench_client, portal_settings, drafts):
    _signed_in(workbench_client, portal_settings)
    page = workbench_client.get("/workbench/drafts").text
    for secret in ("Secret London", "ACC-9", drafts["foreign_email"], drafts["foreign_letter"]):
        assert secret not in page
    _signed_in(workbench_client, portal_settings, HARRIET)
    page = workbench_client.get("/workbench/drafts").text
    assert "Secret London reminder" in page and "Reminder for Acme Builders" not in page


def test_drafts_page_says_so_when_nothing_waits(workbench_client, portal_settings):
    _signed_in(workbench_client, portal_settings)
    assert (
        "No reminders to your accounts wait for approval." in workbench_client.get("/workbench/drafts").text
    )


def test_drafts_page_escapes_hostile_subjects_and_bodies(workbench_client, portal_settings):
    home = portal_settings.home
    write_email(home, "ACC-1", ["NYC|101"], subject=HOSTILE, text=HOSTILE + "\n")
    write_sms(home, "ACC-2", ["NYC|201"], text=HOSTILE)
    _signed_in(workbench_client, portal_settings)
    page = workbench_client.get("/workbench/drafts").text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Bolt &amp; Sons &lt;b&gt;" in page  # the account's name from the worklist, escaped


def test_drafts_page_needs_a_collector_session(workbench_client, portal_settings, drafts):
    assert workbench_client.get("/workbench/drafts").status_code == 401
    sign_in(workbench_client, portal_settings, DANA)  # a director
    assert workbench_client.get("/workbench/drafts").status_code == 401
    assert (
        workbench_client.get("/workbench/drafts/letter.pdf", params={"draft": drafts["letter"]}).status_code
        == 401
    )


# approving -------------------------------------------------------------------------------------------
def test_approve_moves_the_draft_to_approved_and_audits_the_collector_and_account(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts["sms"])
    response = workbench_client.post("/workbench/drafts/approve", data=form, follow_redirects=False)
    assert response.status_code == 303
    page = workbench_client.get(response.headers["location"]).text
    assert "Approved: SMS to ACC-1 (to +15550100)" in page
    assert drafts["sms"] not in _waiting(portal_settings)
    approved = account_drafts(portal_settings.home, {"ACC-1"}, ("approved",))
    assert [d.label for d in approved] == [drafts["sms"]]
    [entry] = audit_log.entries(workbench_store, "sms.approved")
    assert (entry.actor, entry.account_id, entry.subject) == (AVERY, "ACC-1", "+15550100")
    assert "2 reminders to your accounts wait" in page


def test_approve_of_an_email_and_a_letter_audits_each_with_the_account(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    for label in ("email", "letter"):
        form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts[label])
        assert workbench_client.post("/workbench/drafts/approve", data=form).status_code == 200
    assert [(e.actor, e.account_id) for e in audit_log.entries(workbench_store, "email.approved")] == [
        (AVERY, "ACC-1")
    ]
    assert [(e.actor, e.account_id) for e in audit_log.entries(workbench_store, "letter.approved")] == [
        (AVERY, "ACC-1")
    ]
    assert _waiting(portal_settings) == {drafts["sms"], drafts["foreign_email"], drafts["foreign_letter"]}


def test_approving_twice_is_harmless(workbench_client, portal_settings, workbench_store, drafts):
    _signed_in(workbench_client, portal_settings)
    form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts["email"])
    first = workbench_client.post("/workbench/drafts/approve", data=form, follow_redirects=False)
    second = workbench_client.post("/workbench/drafts/approve", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert len(audit_log.entries(workbench_store, "email.approved")) == 1
    assert [d.label for d in account_drafts(portal_settings.home, None, ("approved",))] == [drafts["email"]]


def test_approving_a_draft_withdrawn_meanwhile_says_it_is_no_longer_waiting(
    workbench_client, portal_settings, workbench_store, drafts
):
    from notifications.dunning_drafts import dunning_outboxes

    _signed_in(workbench_client, portal_settings)
    form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts["letter"])
    assert dunning_outboxes(portal_settings.home)["letter"].withdraw(drafts["letter"].partition(":")[2])
    response = workbench_client.post("/workbench/drafts/approve", data=form)
    assert response.status_code == 409
    assert GONE in response.text
    assert audit_log.entries(workbench_store, "letter.approved") == []
    assert audit_log.entries(workbench_store, "foreign_draft_rejected") == []


def test_approve_needs_the_csrf_token(workbench_client, portal_settings, workbench_store, drafts):
    _signed_in(workbench_client, portal_settings)
    form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts["email"])
    form.pop("_csrf_token")
    assert workbench_client.post("/workbench/drafts/approve", data=form).status_code == 403
    form["_csrf_token"] = "0" * 64
    assert workbench_client.post("/workbench/drafts/approve", data=form).status_code == 403
    assert drafts["email"] in _waiting(portal_settings)
    assert audit_log.entries(workbench_store, "email.approved") == []


def test_approve_refuses_another_collectors_draft_named_in_the_form(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    token = _csrf(workbench_client)
    for label in (drafts["foreign_email"], drafts["foreign_letter"]):
        response = workbench_client.post(
            "/workbench/drafts/approve", data={"_csrf_token": token, "draft": label}
        )
        assert response.status_code == 409
        assert GONE in response.text and "Secret London" not in response.text
    assert {drafts["foreign_email"], drafts["foreign_letter"]} <= _waiting(portal_settings)
    assert audit_log.entries(workbench_store, "email.approved") == []
    assert [e.subject for e in audit_log.entries(workbench_store, "foreign_draft_rejected", actor=AVERY)] == [
        drafts["foreign_email"],
        drafts["foreign_letter"],
    ]


def test_approve_refuses_made_up_and_path_like_names(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    token = _csrf(workbench_client)
    for label in ("", "dunning:../../secret.key", "2026-11-24/director", "letter:" + "x" * 5000):
        response = workbench_client.post(
            "/workbench/drafts/approve", data={"_csrf_token": token, "draft": label}
        )
        assert response.status_code == 409, label
    assert _waiting(portal_settings) == set(drafts.values())
    assert audit_log.entries(workbench_store, "email.approved") == []


def test_done_message_names_only_the_collectors_own_approved_drafts(
    workbench_client, portal_settings, drafts
):
    _signed_in(workbench_client, portal_settings, HARRIET)
    form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts["foreign_email"])
    workbench_client.post("/workbench/drafts/approve", data=form)
    _signed_in(workbench_client, portal_settings, AVERY)
    page = workbench_client.get("/workbench/drafts", params={"done": drafts["foreign_email"]}).text
    assert "Approved:" not in page and "Secret London" not in page


# the letter's PDF ------------------------------------------------------------------------------------
def test_letter_pdf_downloads_for_the_collectors_own_letter_with_safe_headers(
    workbench_client, portal_settings, drafts
):
    _signed_in(workbench_client, portal_settings)
    response = workbench_client.get("/workbench/drafts/letter.pdf", params={"draft": drafts["letter"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="dunning-acc-1-letter-0123456789.pdf"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    reader = PdfReader(__import__("io").BytesIO(response.content))
    assert "ACC-1" in reader.pages[0].extract_text()


def test_letter_pdf_of_another_collectors_letter_is_refused(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    for label in (drafts["foreign_letter"], drafts["email"], "letter:../../../secret.key"):
        response = workbench_client.get("/workbench/drafts/letter.pdf", params={"draft": label})
        assert response.status_code == 404, label
        assert response.headers["content-type"].startswith("text/html")
        assert b"%PDF" not in response.content
    assert [e.subject for e in audit_log.entries(workbench_store, "foreign_draft_rejected", actor=AVERY)] == [
        drafts["foreign_letter"]
    ]


def test_letter_pdf_is_gone_once_the_letter_is_approved(workbench_client, portal_settings, drafts):
    _signed_in(workbench_client, portal_settings)
    form = _approve_form(workbench_client.get("/workbench/drafts").text, drafts["letter"])
    workbench_client.post("/workbench/drafts/approve", data=form)
    response = workbench_client.get("/workbench/drafts/letter.pdf", params={"draft": drafts["letter"]})
    assert response.status_code == 404
    assert GONE in response.text
