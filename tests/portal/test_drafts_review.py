"""Drafts to approve, as a collector (and a manager) works them: approve, edit the text (what is sent
is what they wrote), or reject with a reason (never sent, audited); every form with CSRF, scoped to
their own accounts, escaped; the list is read from the drafts index a page at a time."""

from __future__ import annotations

import datetime as dt
import email
import io
import re
from email import policy

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from notifications.dunning_drafts import account_drafts, dunning_outboxes
from orchestration.cli.drafts import drafts as drafts_cli
from orchestration.dunning import delivery
from portal.store import audit_log
from tests.notifications.dunning_draft_factories import write_email, write_letter, write_sms
from tests.notifications.smtp_double import smtp_server
from tests.portal import workbench_factories
from tests.portal.test_workbench_drafts import HOSTILE, _approve_form, _signed_in
from tests.portal.workbench_factories import AVERY, FIONA, HARRIET, MORGAN, WHITFIELD, sign_in_staff

workbench_store = workbench_factories.workbench_store
workbench_client = workbench_factories.workbench_client
REASON = "Customer called: paying on Friday"


@pytest.fixture
def drafts(portal_settings):
    """Avery's ACC-1: an email, an SMS and an editable letter; Harriet's ACC-9: an email."""
    home = portal_settings.home
    return {
        "email": write_email(home, "ACC-1", ["NYC|101", "NYC|102"], subject="Reminder for Acme Builders",
                             text="Dear Acme,\nINV-101 and INV-102 are past due.\n"),
        "sms": write_sms(home, "ACC-1", ["NYC|101"], text="Acme: INV-101 is past due, please pay."),
        "letter": write_letter(home, "ACC-1", ["NYC|102"], editable=True),
        "foreign": write_email(home, "ACC-9", ["LDN|901"], subject="Secret London reminder",
                               text="Secret London body\n"),
    }


def _form(html: str, action: str) -> dict[str, str]:
    """The fields of the form posting to `action` (hidden inputs and textareas)."""
    [form] = [f for f in re.findall(r"<form.*?</form>", html, flags=re.S) if f'action="{action}"' in f]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, flags=re.S))
    return fields


def _edit_page(client, label: str, base: str = "/workbench/drafts") -> str:
    response = client.get(f"{base}/edit", params={"draft": label})
    assert response.status_code == 200, response.text
    return response.text


def _waiting(settings) -> set[str]:
    return {d.label for d in account_drafts(settings.home, None)}


# rejecting -------------------------------------------------------------------------------------------
def test_reject_with_a_reason_keeps_the_draft_from_ever_going_out_and_audits_it(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    form = _form(_edit_page(workbench_client, drafts["sms"]), "/workbench/drafts/reject")
    response = workbench_client.post(
        "/workbench/drafts/reject", data={**form, "reason": REASON}, follow_redirects=False
    )
    assert response.status_code == 303
    page = workbench_client.get(response.headers["location"]).text
    assert "Rejected: SMS to ACC-1 (to +15550100). It will not be sent" in page
    assert drafts["sms"] not in _waiting(portal_settings)
    [rejected] = account_drafts(portal_settings.home, {"ACC-1"}, ("rejected",))
    assert (rejected.label, rejected.rejected_by, rejected.rejected_reason) == (drafts["sms"], AVERY, REASON)
    [entry] = audit_log.entries(workbench_store, "sms.rejected")
    assert (entry.actor, entry.account_id) == (AVERY, "ACC-1") and REASON in entry.detail
    assert drafts["sms"] not in delivery.pending_names(portal_settings.home, None)  # `approve --all`
    assert workbench_client.post("/workbench/drafts/approve", data={**_approve_form(page, drafts["email"]),
                                 "draft": drafts["sms"]}).status_code == 409  # and never approvable


def test_reject_needs_a_reason(workbench_client, portal_settings, workbench_store, drafts):
    _signed_in(workbench_client, portal_settings)
    form = _form(_edit_page(workbench_client, drafts["email"]), "/workbench/drafts/reject")
    for reason in ("", "   ", "x" * 501):
        response = workbench_client.post("/workbench/drafts/reject", data={**form, "reason": reason})
        assert response.status_code == 400
        assert "Say why you reject this draft" in response.text
    assert drafts["email"] in _waiting(portal_settings)
    assert audit_log.entries(workbench_store, "email.rejected") == []


def test_every_drafts_form_needs_the_csrf_token(workbench_client, portal_settings, drafts):
    _signed_in(workbench_client, portal_settings)
    page = _edit_page(workbench_client, drafts["email"])
    forms = {
        "reject": {**_form(page, "/workbench/drafts/reject"), "reason": REASON},
        "edit": {**_form(page, "/workbench/drafts/edit"), "text": "Changed"},
        "approve": _approve_form(workbench_client.get("/workbench/drafts").text, drafts["email"]),
    }
    for action, form in forms.items():
        form.pop("_csrf_token")
        assert workbench_client.post(f"/workbench/drafts/{action}", data=form).status_code == 403, action
    assert drafts["email"] in _waiting(portal_settings)


def test_another_collectors_draft_cannot_be_opened_edited_or_rejected(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    token = _form(_edit_page(workbench_client, drafts["email"]), "/workbench/drafts/reject")["_csrf_token"]
    opened = workbench_client.get("/workbench/drafts/edit", params={"draft": drafts["foreign"]})
    assert opened.status_code == 404 and "Secret London" not in opened.text
    for action, extra in (("reject", {"reason": REASON}), ("edit", {"text": "Pay now"})):
        response = workbench_client.post(
            f"/workbench/drafts/{action}", data={"_csrf_token": token, "draft": drafts["foreign"], **extra}
        )
        assert response.status_code == 409 and "Secret London" not in response.text
    assert drafts["foreign"] in _waiting(portal_settings)
    assert len(audit_log.entries(workbench_store, "foreign_draft_rejected", actor=AVERY)) == 3


# editing ---------------------------------------------------------------------------------------------
def test_edited_email_text_is_what_drafts_send_delivers(
    workbench_client, portal_settings, workbench_store, drafts, monkeypatch
):
    _signed_in(workbench_client, portal_settings)
    form = _form(_edit_page(workbench_client, drafts["email"]), "/workbench/drafts/edit")
    assert "INV-101 and INV-102 are past due." in form["text"]
    edited = "Dear Ann,\n\nAs agreed on the phone: INV-101 & INV-102, <b>USD 2,000.25</b>, by Friday.\n"
    response = workbench_client.post("/workbench/drafts/edit", data={**form, "text": edited},
                                     follow_redirects=False)
    assert response.status_code == 303
    page = workbench_client.get(response.headers["location"]).text
    assert "Saved your changes to Reminder for Acme Builders" in page
    assert "Edited by" in page and AVERY in page
    assert "&lt;b&gt;USD 2,000.25&lt;/b&gt;" in page and "<b>USD" not in page
    [entry] = audit_log.entries(workbench_store, "email.edited")
    assert (entry.actor, entry.account_id) == (AVERY, "ACC-1")
    approve = _approve_form(page, drafts["email"])
    assert workbench_client.post("/workbench/drafts/approve", data=approve).status_code == 200
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("LEDGERLOOP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LEDGERLOOP_SMTP_PORT", str(port))
        monkeypatch.setenv("LEDGERLOOP_SMTP_SECURITY", "none")
        monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", portal_settings.secret_key)
        result = CliRunner().invoke(drafts_cli, ["send", "--as", "kim", "--home", str(portal_settings.home)])
    assert result.exit_code == 0, result.output
    [sent] = [email.message_from_bytes(m, policy=policy.default) for m in inbox.messages]
    text = sent.get_body(preferencelist=("plain",)).get_content()
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "by Friday" in text and "are past due" not in text
    assert "&lt;b&gt;USD 2,000.25&lt;/b&gt;" in html and "are past due" not in html
    assert sent["X-Ledgerloop-Account"] == "ACC-1"
    assert sent["To"].addresses[0].addr_spec == "ap@customer.example.com"


def test_edited_sms_is_counted_again_and_is_what_the_gateway_gets(workbench_client, portal_settings, drafts):
    _signed_in(workbench_client, portal_settings)
    form = _form(_edit_page(workbench_client, drafts["sms"]), "/workbench/drafts/edit")
    long_text = "Acme: dziękujemy, plan for INV-101 agreed " + "x" * 100  # ę forces UCS-2: 3 segments
    saved = workbench_client.post("/workbench/drafts/edit", data={**form, "text": long_text})
    assert saved.status_code == 200
    [draft] = [d for d in account_drafts(portal_settings.home, {"ACC-1"}) if d.channel == "sms"]
    assert (draft.text, draft.segments, draft.encoding, draft.edited_by) == (long_text, 3, "UCS-2", AVERY)
    page = workbench_client.get("/workbench/drafts").text
    assert "3 segments (UCS-2)" in page
    assert delivery.approve(portal_settings.home, [drafts["sms"]], "kim", lambda *a, **k: None,
                            dt.datetime.now(dt.UTC))[0] == [drafts["sms"]]
    delivery.send(portal_settings.home, None, "kim", lambda *a, **k: None, dt.datetime.now(dt.UTC))
    [dispatched] = (portal_settings.home / "outbox" / "dunning" / "sms" / "dispatch").glob("*/*.txt")
    assert long_text in dispatched.read_text(encoding="utf-8")


def test_edited_letter_is_printed_again_around_the_same_invoice_table(
    workbench_client, portal_settings, workbench_store, drafts
):
    _signed_in(workbench_client, portal_settings)
    page = _edit_page(workbench_client, drafts["letter"])
    assert "INV-102  USD 500.25" in page  # the table, kept as drafted
    form = _form(page, "/workbench/drafts/edit")
    assert form["before"].startswith("Dear Accounts Payable")
    edited = {**form, "before": "Dear Ms Smith,\n\nThank you for your call today.", "after": "Regards"}
    assert workbench_client.post("/workbench/drafts/edit", data=edited).status_code == 200
    pdf = workbench_client.get("/workbench/drafts/letter.pdf", params={"draft": drafts["letter"]}).content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Thank you for your call today." in text and "INV-102" in text and "USD 500.25" in text
    assert "The invoices below are past due." not in text
    assert [e.actor for e in audit_log.entries(workbench_store, "letter.edited")] == [AVERY]


def test_a_letter_drafted_before_editing_existed_says_why_it_cannot_be_edited(
    workbench_client, portal_settings
):
    label = write_letter(portal_settings.home, "ACC-2", ["NYC|201"])
    _signed_in(workbench_client, portal_settings)
    page = _edit_page(workbench_client, label)
    assert "drafted before letters could be edited" in page and 'action="/workbench/drafts/edit"' not in page
    token = _form(page, "/workbench/drafts/reject")["_csrf_token"]
    response = workbench_client.post(
        "/workbench/drafts/edit", data={"_csrf_token": token, "draft": label, "before": "x", "after": "y"}
    )
    assert response.status_code == 400 and "drafted before letters could be edited" in response.text


def test_edit_refuses_an_empty_text_and_escapes_what_was_typed(workbench_client, portal_settings, drafts):
    _signed_in(workbench_client, portal_settings)
    form = _form(_edit_page(workbench_client, drafts["email"]), "/workbench/drafts/edit")
    empty = workbench_client.post("/workbench/drafts/edit", data={**form, "text": "  \n "})
    assert empty.status_code == 400 and "The text is empty" in empty.text
    saved = workbench_client.post("/workbench/drafts/edit", data={**form, "text": HOSTILE + "</textarea>"})
    assert saved.status_code == 200
    page = _edit_page(workbench_client, drafts["email"])
    assert "<script>" not in page and "&lt;/textarea&gt;" in page


# a manager's drafts ----------------------------------------------------------------------------------
def test_manager_reviews_the_drafts_of_their_offices_accounts_only(
    workbench_client, portal_settings, workbench_store, drafts
):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)  # NYC
    assert 'href="/team/drafts"' in workbench_client.get("/team").text
    page = workbench_client.get("/team/drafts").text
    assert "3 reminders to your team&#39;s accounts wait" in page and "Secret London" not in page
    form = _form(_edit_page(workbench_client, drafts["email"], "/team/drafts"), "/team/drafts/reject")
    response = workbench_client.post("/team/drafts/reject", data={**form, "reason": "Wrong contact"},
                                     follow_redirects=False)
    assert response.status_code == 303
    assert [(e.actor, e.account_id) for e in audit_log.entries(workbench_store, "email.rejected")] == [
        (MORGAN, "ACC-1")
    ]
    refused = workbench_client.post("/team/drafts/approve", data={**form, "draft": drafts["foreign"]})
    assert refused.status_code == 409
    sign_in_staff(workbench_client, portal_settings, "manager", FIONA)  # LDN
    assert "Secret London reminder" in workbench_client.get("/team/drafts").text
    sign_in_staff(workbench_client, portal_settings, "manager", WHITFIELD)  # every office
    assert "3 reminders to your team&#39;s accounts wait" in workbench_client.get("/team/drafts").text


def test_drafts_pages_are_for_their_role_only(workbench_client, portal_settings, drafts):
    _signed_in(workbench_client, portal_settings)
    assert workbench_client.get("/team/drafts").status_code == 401
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    assert workbench_client.get("/workbench/drafts").status_code == 401
    sign_in_staff(workbench_client, portal_settings, "collector", HARRIET)
    assert "Reminder for Acme Builders" not in workbench_client.get("/workbench/drafts").text


# the list reads an index that stays true to the files ------------------------------------------------
def test_the_list_follows_files_changed_outside_the_portal(workbench_client, portal_settings, drafts):
    home = portal_settings.home
    _signed_in(workbench_client, portal_settings)
    assert "3 reminders to your accounts wait" in workbench_client.get("/workbench/drafts").text
    [email_file] = (home / "outbox" / "dunning" / "email" / "drafts").glob("*/dunning-acc-1-*.eml")
    email_file.unlink()  # removed by hand
    assert delivery.approve(home, [drafts["sms"]], "kim", lambda *a, **k: None, dt.datetime.now(dt.UTC))
    page = workbench_client.get("/workbench/drafts").text
    assert "1 reminder to your accounts waits" in page
    assert "Reminder for Acme Builders" not in page and "please pay." not in page
    folder = home / "outbox" / "dunning" / "email" / "drafts"
    (folder / "2026-11-30").mkdir()
    foreign = (folder / "2026-11-24" / "dunning-acc-9-email-0123456789.eml").read_bytes()
    (folder / "2026-11-30" / "dunning-acc-2-email-copied.eml").write_bytes(
        foreign.replace(b"X-Ledgerloop-Account: ACC-9", b"X-Ledgerloop-Account: ACC-2")
    )  # dropped in by hand
    assert "2 reminders to your accounts wait" in workbench_client.get("/workbench/drafts").text
    (home / "outbox" / "dunning" / "index.sqlite3").unlink()
    assert "2 reminders to your accounts wait" in workbench_client.get("/workbench/drafts").text


def test_the_list_shows_thousands_of_drafts_a_page_at_a_time(workbench_client, portal_settings):
    outbox = dunning_outboxes(portal_settings.home)
    for n in range(60):
        write_email(portal_settings.home, "ACC-2", ["NYC|201"], name=f"dunning-acc-2-email-{n:03d}",
                    subject=f"Reminder number {n:03d}")
    assert len(outbox["dunning"].items("drafts")) == 60
    _signed_in(workbench_client, portal_settings)
    first = workbench_client.get("/workbench/drafts").text
    assert "60 reminders to your accounts wait" in first and "page 1 of 3" in first
    assert "Reminder number 024" in first and "Reminder number 025" not in first
    assert 'href="/workbench/drafts?page=2" rel="next"' in first
    last = workbench_client.get("/workbench/drafts", params={"page": 99}).text  # clamped
    assert "page 3 of 3" in last and "Reminder number 059" in last and "Drafts 51–60" in last
    approve = _approve_form(last, "dunning:2026-11-24/dunning-acc-2-email-055")
    done = workbench_client.post("/workbench/drafts/approve", data=approve, follow_redirects=False)
    assert "page=3" in done.headers["location"]
