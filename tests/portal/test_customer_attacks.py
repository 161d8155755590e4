"""Attacks on the customer door: tampered and foreign links, a form naming another account, and
HTML in every field a customer or a spreadsheet can fill, which every page shows escaped."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from portal.store import audit_log, collector_entries, customers
from portal.store.customers import CustomerContact
from tests.portal import customer_factories
from tests.portal.customer_factories import (
    ACME,
    ACME_AP,
    INVOICES,
    customer_form,
    mint_customer,
    publish_customers,
    sign_in_customer,
)

customer_store = customer_factories.customer_store
customer_client = customer_factories.customer_client
SCRIPT = '<script>alert("x")</script>'
SOON = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)).isoformat()


def test_a_tampered_link_is_refused_and_counted_as_a_guess(customer_client, portal_settings, customer_store):
    token = mint_customer(portal_settings)
    payload, stamp, signature = token.split(".")
    for forged in (
        f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        f"{payload[:-2]}xx.{stamp}.{signature}",
        token[:-1],
    ):
        response = customer_client.get(f"/a/{forged}")
        assert response.status_code == 403 and "Acme" not in response.text
    assert customer_client.get("/account").status_code == 401
    rejected = audit_log.entries(customer_store, "link_rejected")
    assert len(rejected) == 3 and all('"failures"' in e.detail for e in rejected)


def test_a_forged_session_cookie_opens_nothing(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    value = customer_client.cookies.get("ll_customer")
    customer_client.cookies.set("ll_customer", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert customer_client.get("/account").status_code == 401


def test_a_form_naming_another_account_still_writes_to_the_sessions_own(
    customer_client, portal_settings, customer_store
):
    sign_in_customer(customer_client, portal_settings)
    data = customer_form(customer_client.get("/account").text, "promise") | {
        "account_id": "001B",
        "promised_amount": "10.00",
        "promised_date": SOON,
    }
    assert customer_client.post("/account/entries", data=data, follow_redirects=False).status_code == 303
    [saved] = collector_entries.after(customer_store, 0, 10)
    assert saved.account_id == ACME


def test_another_contacts_confirmation_page_is_not_found(customer_client, portal_settings, customer_store):
    sign_in_customer(customer_client, portal_settings, "001B", "pay@bolt.example")
    data = customer_form(customer_client.get("/account").text, "promise") | {
        "promised_amount": "10.00",
        "promised_date": SOON,
    }
    location = customer_client.post("/account/entries", data=data, follow_redirects=False).headers["location"]
    sign_in_customer(customer_client, portal_settings)  # now Acme's contact
    assert customer_client.get(location).status_code == 404


def test_html_in_every_field_is_shown_escaped(customer_client, portal_settings, customer_store):
    [acme] = [customers.account(customer_store, ACME)]
    hostile_account = dataclasses.replace(
        acme,
        account_name=SCRIPT,
        collector=SCRIPT,
        collector_email='x"@evil.example',
        policy='{"dispute_reasons": ["<b>Other</b>"], "dispute_resolution_days": 30}',
    )
    hostile_invoices = [
        dataclasses.replace(
            i,
            invoice_number=SCRIPT + i.invoice_key,
            discrepancy=Decimal("3.00") if i.invoice_key == "NYC:2" else None,
            document_url="https://docs.example/" + SCRIPT,
        )
        for i in INVOICES
    ]
    customers.publish(
        customer_store, [hostile_account], [CustomerContact(ACME, ACME_AP, SCRIPT)], hostile_invoices
    )
    sign_in_customer(customer_client, portal_settings)
    page = customer_client.get("/account").text
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>Other" not in page
    data = customer_form(page, "dispute") | {
        "invoice_key": "NYC:1",
        "dispute_reason": "<b>Other</b>",
        "details": SCRIPT,
    }
    response = customer_client.post("/account/entries", data=data)
    assert response.status_code == 200, response.text
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    again = customer_client.get("/account").text
    assert "<script>" not in again and "<b>Other" not in again
    accepted = customer_form(again, "discrepancy") | {"details": SCRIPT}
    response = customer_client.post("/account/entries", data=accepted, follow_redirects=False)
    assert response.status_code == 303
    confirmed = customer_client.get(response.headers["location"]).text
    assert "<script>" not in confirmed and "&lt;script&gt;" in confirmed
    assert "<script>" not in customer_client.get("/account").text
    publish_customers(customer_store)


def test_an_error_page_speaks_to_a_customer_too(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    missing = customer_client.get("/account/entries/999")
    assert missing.status_code == 404 and "jobs" not in missing.text
    expired = customer_client.post("/account/entries", data={"kind": "promise"})
    assert expired.status_code == 403 and "jobs" not in expired.text and "reload the page" in expired.text
