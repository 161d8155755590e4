"""A customer's promise to pay and dispute at the customer door: stored once in the entries inbox
as the customer's (`entered_by = customer`, the account's collector), audited, shown back on their
page and on the collector's account, and checked against their own account and the policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.store import audit_log, collector_entries
from tests.portal import customer_factories
from tests.portal.customer_factories import ACME_AP, customer_form, sign_in_customer

customer_store = customer_factories.customer_store
customer_client = customer_factories.customer_client
SOON = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)).isoformat()


def _post(client, settings, kind: str, **fields):
    sign_in_customer(client, settings)
    data = customer_form(client.get("/account").text, kind) | fields
    return data, client.post("/account/entries", data=data, follow_redirects=False)


def test_a_promise_is_stored_once_as_the_customers_and_confirmed(
    customer_client, portal_settings, customer_store
):
    data, response = _post(
        customer_client,
        portal_settings,
        "promise",
        invoice_key="NYC:1",
        promised_amount="600.00",
        promised_date=SOON,
        details="Paying half now",
    )
    assert response.status_code == 303
    again = customer_client.post("/account/entries", data=data, follow_redirects=False)
    assert again.headers["location"] == response.headers["location"]  # a double post stores one entry
    [saved] = collector_entries.after(customer_store, 0, 10)
    assert (saved.kind, saved.entered_by, saved.collector, saved.collector_email) == (
        "promise",
        "customer",
        "Chris",
        ACME_AP,
    )
    assert (saved.account_id, saved.invoice_key, saved.currency, saved.promised_amount) == (
        "001A",
        "NYC:1",
        "USD",
        Decimal("600.00"),
    )
    assert saved.note == "Paying half now"
    confirmed = customer_client.get(response.headers["location"]).text
    assert "USD 600.00" in confirmed and "INV-00000001" in confirmed
    page = customer_client.get("/account").text
    assert "You promised USD 600.00" in page
    [audited] = audit_log.entries(customer_store, "customer_entry.promise")
    assert (audited.actor, audited.account_id) == (ACME_AP, "001A")


def test_a_dispute_takes_a_policy_reason_and_the_policys_deadline(
    customer_client, portal_settings, customer_store
):
    _, response = _post(
        customer_client,
        portal_settings,
        "dispute",
        invoice_key="NYC:2",
        dispute_reason="Wrong amount or rate",
        details="Billed 10 hours, we agreed 8",
    )
    assert response.status_code == 303
    [saved] = collector_entries.after(customer_store, 0, 10)
    assert (saved.kind, saved.entered_by, saved.invoice_key) == ("dispute", "customer", "NYC:2")
    assert saved.dispute_evidence == "Billed 10 hours, we agreed 8"
    assert saved.dispute_deadline == saved.submitted_at.date() + dt.timedelta(days=30)
    assert "You disputed it: Wrong amount or rate" in customer_client.get("/account").text
    # the same invoice again: already disputed
    data = customer_form(customer_client.get("/account").text, "dispute") | {
        "invoice_key": "NYC:2",
        "dispute_reason": "Other",
        "details": "again",
    }
    again = customer_client.post("/account/entries", data=data)
    assert again.status_code == 400 and "already disputed" in again.text


def test_a_reason_outside_the_policys_list_is_refused(customer_client, portal_settings, customer_store):
    _, response = _post(
        customer_client,
        portal_settings,
        "dispute",
        invoice_key="NYC:2",
        dispute_reason="I just don't want to",
        details="x",
    )
    assert response.status_code == 400 and "Choose one of the listed reasons." in response.text
    assert collector_entries.after(customer_store, 0, 10) == []


def test_another_accounts_invoice_is_refused_audited_and_nothing_is_stored(
    customer_client, portal_settings, customer_store
):
    _, response = _post(
        customer_client,
        portal_settings,
        "promise",
        invoice_key="NYC:9",
        promised_amount="10.00",
        promised_date=SOON,
    )
    assert response.status_code == 400 and "Choose one of the listed invoices." in response.text
    assert "INV-00000009" not in response.text and "777.00" not in response.text
    assert collector_entries.after(customer_store, 0, 10) == []
    [refused] = audit_log.entries(customer_store, "foreign_invoice_rejected")
    assert (refused.subject, refused.account_id) == ("NYC:9", "001A")


def test_a_promise_above_what_is_open_is_refused_with_the_open_amount(customer_client, portal_settings):
    _, response = _post(
        customer_client,
        portal_settings,
        "promise",
        invoice_key="NYC:2",
        promised_amount="400.01",
        promised_date=SOON,
    )
    assert response.status_code == 400 and "more than the USD 400.00 open" in response.text


def test_posting_without_the_csrf_token_is_refused(customer_client, portal_settings, customer_store):
    data, _ = _post(customer_client, portal_settings, "promise", promised_amount="1", promised_date="")
    data.pop("_csrf_token")
    data["submission_id"] = "f" * 32
    assert customer_client.post("/account/entries", data=data).status_code == 403
    assert collector_entries.after(customer_store, 0, 10) == []


def test_a_po_reference_update_lands_as_the_customers_note_for_the_collector_to_confirm(
    customer_client, portal_settings, customer_store
):
    _, response = _post(
        customer_client,
        portal_settings,
        "update",
        update_subject="po_reference",
        invoice_key="NYC:2",
        details="PO-7781",
    )
    assert response.status_code == 303
    [saved] = collector_entries.after(customer_store, 0, 10)
    assert (saved.kind, saved.entered_by, saved.collector) == ("note", "customer", "Chris")
    assert saved.note == "Customer asks to update the PO reference for invoice INV-00000002: PO-7781"
    assert "PO-7781" in customer_client.get(response.headers["location"]).text
    assert "we confirm it with you" in customer_client.get("/account").text
    [audited] = audit_log.entries(customer_store, "customer_entry.note")
    assert audited.actor == ACME_AP


def test_an_update_without_a_subject_or_text_is_refused(customer_client, portal_settings, customer_store):
    _, response = _post(customer_client, portal_settings, "update", details="")
    assert response.status_code == 400
    assert "Choose what to update." in response.text and "Write what should change." in response.text
    assert collector_entries.after(customer_store, 0, 10) == []


def test_a_promise_can_cover_the_invoices_the_customer_ticks(
    customer_client, portal_settings, customer_store
):
    sign_in_customer(customer_client, portal_settings)
    page = customer_client.get("/account").text
    assert page.count('name="invoice_key" value="NYC:') >= 2  # a box per open invoice
    data = customer_form(page, "promise") | {"promised_amount": "1400.00", "promised_date": SOON}
    response = customer_client.post(
        "/account/entries", data={**data, "invoice_key": ["NYC:2", "NYC:1"]}, follow_redirects=False
    )
    assert response.status_code == 303
    [saved] = collector_entries.after(customer_store, 0, 10)
    assert (saved.invoice_key, saved.covered_invoices(), saved.currency) == (None, ["NYC:1", "NYC:2"], "USD")
    confirmed = customer_client.get(response.headers["location"]).text
    assert "INV-00000001, INV-00000002" in confirmed
    [audited] = audit_log.entries(customer_store, "customer_entry.promise")
    assert '"invoice_keys": ["NYC:1", "NYC:2"]' in audited.detail


def test_a_promise_over_ticked_invoices_may_not_exceed_what_is_open_on_them(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    data = customer_form(customer_client.get("/account").text, "promise") | {
        "promised_amount": "1400.01", "promised_date": SOON, "invoice_key": ["NYC:1", "NYC:2"],
    }
    response = customer_client.post("/account/entries", data=data, follow_redirects=False)
    assert response.status_code == 400 and "more than the USD 1,400.00 open" in response.text
    assert response.text.count(" checked>") == 2  # the ticks are kept


def test_a_ticked_invoice_of_another_account_refuses_the_whole_promise(
    customer_client, portal_settings, customer_store
):
    sign_in_customer(customer_client, portal_settings)
    data = customer_form(customer_client.get("/account").text, "promise") | {
        "promised_amount": "10.00", "promised_date": SOON, "invoice_key": ["NYC:1", "NYC:9"],
    }
    response = customer_client.post("/account/entries", data=data, follow_redirects=False)
    assert response.status_code == 400 and "Choose among the listed invoices." in response.text
    assert "INV-00000009" not in response.text and "777.00" not in response.text
    assert collector_entries.after(customer_store, 0, 10) == []
    [refused] = audit_log.entries(customer_store, "foreign_invoice_rejected")
    assert refused.subject == "NYC:9"


def test_a_dispute_names_one_invoice(customer_client, portal_settings, customer_store):
    sign_in_customer(customer_client, portal_settings)
    data = customer_form(customer_client.get("/account").text, "dispute") | {
        "invoice_key": ["NYC:1", "NYC:2"], "dispute_reason": "Wrong amount or rate", "details": "x",
    }
    response = customer_client.post("/account/entries", data=data, follow_redirects=False)
    assert response.status_code == 400 and "Choose one invoice." in response.text
    assert collector_entries.after(customer_store, 0, 10) == []
