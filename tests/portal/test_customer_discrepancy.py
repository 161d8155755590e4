"""A customer accepts what a short payment left open: the page offers it only where cash
application found a difference within the tolerance, the acceptance names that exact amount, is
stored once as the customer's entry (audited), and nothing of another account can be accepted or
seen."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from portal.customer_discrepancy import CHANGED
from portal.store import audit_log, collector_entries
from tests.portal import customer_factories
from tests.portal.customer_factories import ACME_AP, BOLT, INVOICES, customer_form, sign_in_customer

customer_client = customer_factories.customer_client
SHORT_PAID_ON = dt.date(2026, 11, 20)


def _short(invoice, amount: str):
    return dataclasses.replace(invoice, discrepancy=Decimal(amount), discrepancy_paid_on=SHORT_PAID_ON)


@pytest.fixture
def customer_store(portal_settings):
    """The published accounts, with INV-00000002 (Acme) and INV-00000009 (Bolt) each 3.00 short."""
    store = customer_factories.connect(portal_settings.db_url)
    invoices = [
        _short(i, "3.00") if i.invoice_key in ("NYC:2", "NYC:9") else i for i in INVOICES
    ]
    customer_factories.publish_customers(store, invoices=invoices)
    yield store
    store.close()


def _accept(client, settings, **fields):
    sign_in_customer(client, settings)
    data = customer_form(client.get("/account").text, "discrepancy") | fields
    return data, client.post("/account/entries", data=data, follow_redirects=False)


def test_the_page_offers_the_difference_a_short_payment_left_and_only_that(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    page = customer_client.get("/account").text
    assert "Accept the USD 3.00 difference" in page
    assert "your payment of 20 November 2026 left" in page
    assert page.count('name="kind" value="discrepancy"') == 1  # NYC:1 has none, NYC:9 is Bolt's


def test_accepting_stores_the_customers_consent_once_with_its_amount(
    customer_client, portal_settings, customer_store
):
    data, response = _accept(customer_client, portal_settings, details="Bank charge <b>abroad</b>")
    assert response.status_code == 303
    again = customer_client.post("/account/entries", data=data, follow_redirects=False)
    assert again.headers["location"] == response.headers["location"]
    [saved] = collector_entries.after(customer_store, 0, 10)
    assert (saved.kind, saved.entered_by, saved.invoice_key, saved.currency, saved.accepted_amount) == (
        "discrepancy", "customer", "NYC:2", "USD", Decimal("3.00"),
    )
    assert saved.note.startswith("Accepted the USD 3.00 left open by the payment of 20 November 2026")
    [audited] = audit_log.entries(customer_store, "customer_entry.discrepancy")
    assert (audited.actor, audited.account_id) == (ACME_AP, "001A")
    confirmed = customer_client.get(response.headers["location"]).text
    assert "the USD 3.00 left open" in confirmed and "<b>abroad" not in confirmed
    page = customer_client.get("/account").text
    assert "You accepted the USD 3.00 difference" in page
    assert 'value="discrepancy"' not in page  # nothing left to accept
    twice = customer_client.post(
        "/account/entries", data={**data, "submission_id": "e" * 32}, follow_redirects=False
    )
    assert twice.status_code == 400 and "You have already accepted this difference." in twice.text
    assert len(collector_entries.after(customer_store, 0, 10)) == 1


def test_a_difference_that_changed_since_the_page_was_loaded_is_not_accepted(
    customer_client, portal_settings, customer_store
):
    _, response = _accept(customer_client, portal_settings, accepted_amount="2.00")
    assert response.status_code == 400 and CHANGED in response.text
    assert collector_entries.after(customer_store, 0, 10) == []


def test_another_accounts_difference_cannot_be_accepted_or_seen(
    customer_client, portal_settings, customer_store
):
    _, response = _accept(customer_client, portal_settings, invoice_key="NYC:9")
    assert response.status_code == 400 and "no difference to accept" in response.text
    assert "INV-00000009" not in response.text and "777.00" not in response.text
    assert collector_entries.after(customer_store, 0, 10) == []
    [refused] = audit_log.entries(customer_store, "foreign_invoice_rejected")
    assert (refused.subject, refused.account_id) == ("NYC:9", "001A")
    assert BOLT not in response.text


def test_an_invoice_with_no_difference_offers_nothing_to_accept(
    customer_client, portal_settings, customer_store
):
    _, response = _accept(customer_client, portal_settings, invoice_key="NYC:1", accepted_amount="3.00")
    assert response.status_code == 400 and "no difference to accept" in response.text
    assert collector_entries.after(customer_store, 0, 10) == []
