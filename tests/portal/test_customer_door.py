"""The customer door: a contact's signed link opens only their account (open invoices, the paid
history of 12 months, the statement PDF, the collector), can be opened again (mail scanners
prefetch), and stops opening when revoked or when the contact leaves the contacts file."""

from __future__ import annotations

import dataclasses

import pytest
from litestar.testing import TestClient

from notifications.statements import render_statement_pdf
from portal.app import create_app
from portal.customer_links import CustomerLinkSigner, version_key
from portal.links import LinkInvalid, LinkSigner, StaffLinkSigner
from portal.store import audit_log, link_versions
from portal.store.customers import CustomerContact
from tests.portal import customer_factories
from tests.portal.customer_factories import (
    ACME,
    ACME_AP,
    ACME_CFO,
    BOLT,
    BOLT_AP,
    INVOICES,
    mint_customer,
    publish_customers,
    sign_in_customer,
    statement_of,
)
from tests.portal.portal_factories import SECRET, settings_for

customer_store = customer_factories.customer_store
customer_client = customer_factories.customer_client


def test_customer_tokens_round_trip_and_never_verify_as_another_role():
    signer = CustomerLinkSigner(SECRET, 3600)
    token = signer.mint(ACME, "AP@Acme.example ", 2)
    claims = signer.verify(token)
    assert (claims.account_id, claims.email, claims.version) == (ACME, ACME_AP, 2)
    with pytest.raises(LinkInvalid):
        LinkSigner(SECRET, 3600).verify(token)
    with pytest.raises(LinkInvalid):
        StaffLinkSigner(SECRET, 3600, "collector").verify(token)
    with pytest.raises(LinkInvalid):
        signer.verify(LinkSigner(SECRET, 3600).mint(ACME_AP, 1))


def test_the_link_opens_the_contacts_own_account_only(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    page = customer_client.get("/account")
    assert page.status_code == 200
    text = page.text
    assert "Acme, Inc." in text and "INV-00000001" in text and "INV-00000002" in text
    assert "Overdue by 53 days" in text and "Due in 22 days" in text
    assert "USD 1,000.00" in text and "chris.collector@example.com" in text
    assert "Bolt LLC" not in text and "INV-00000009" not in text and "777.00" not in text


def test_the_paid_history_covers_the_last_12_months(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    text = customer_client.get("/account").text
    paid = text.split("Paid in the last 12 months", 1)[1]
    assert "INV-00000003" in paid and "20 June 2026" in paid
    assert "INV-00000004" not in text  # settled 1 October 2025: more than 12 months ago


def test_the_statement_is_the_pdf_ledgerloop_statement_prints(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    response = customer_client.get("/account/statement.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content == render_statement_pdf(statement_of(ACME, "Acme, Inc."))


def test_opening_the_link_again_still_works_and_head_alters_nothing(customer_client, portal_settings):
    token = mint_customer(portal_settings)
    customer_client.head(f"/a/{token}")  # a mail scanner's look
    for _ in range(3):
        assert customer_client.get(f"/a/{token}").status_code == 200
    assert customer_client.get("/account").status_code == 200


def test_a_revoked_contact_is_refused_and_their_session_ends(
    customer_client, portal_settings, customer_store
):
    sign_in_customer(customer_client, portal_settings)
    link_versions.revoke(customer_store, version_key(ACME, ACME_AP))
    assert customer_client.get("/account").status_code == 401
    assert customer_client.get(f"/a/{mint_customer(portal_settings)}").status_code == 403
    # the account's other contact keeps their door
    assert customer_client.get(f"/a/{mint_customer(portal_settings, ACME, ACME_CFO)}").status_code == 200
    assert customer_client.get("/account").status_code == 200
    reasons = [e.detail for e in audit_log.entries(customer_store, "link_rejected")]
    assert any("revoked" in r for r in reasons)


def test_a_contact_dropped_from_the_contacts_file_loses_the_door(
    customer_client, portal_settings, customer_store
):
    sign_in_customer(customer_client, portal_settings)
    publish_customers(customer_store, contacts=[CustomerContact(BOLT, BOLT_AP, "Bea Lin")])
    assert customer_client.get("/account").status_code == 401
    assert customer_client.get(f"/a/{mint_customer(portal_settings)}").status_code == 403


def test_a_link_for_a_contact_of_another_account_is_refused(customer_client, portal_settings):
    # ap@acme is no contact of Bolt: a token naming that pair (signed by us) opens nothing
    assert customer_client.get(f"/a/{mint_customer(portal_settings, BOLT, ACME_AP)}").status_code == 403


def test_a_customer_session_opens_no_staff_or_director_page(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    for path in ("/jobs", "/workbench", "/team", "/workbench/drafts"):
        assert customer_client.get(path).status_code == 401, path
    assert customer_client.get(f"/d/{mint_customer(portal_settings)}").status_code == 403


def test_no_customer_page_without_a_session(portal_settings, customer_store):
    with TestClient(
        create_app(settings_for(portal_settings.home)), base_url="http://testserver.local"
    ) as client:
        assert client.get("/account").status_code == 401
        assert client.get("/account/statement.pdf").status_code == 401


def test_pay_now_opens_the_offices_checkout_with_the_invoice_filled_in(customer_client, portal_settings,
                                                                        customer_store):
    sign_in_customer(customer_client, portal_settings)
    page = customer_client.get("/account").text
    assert 'href="https://pay.example/checkout?amount=1000.00&amp;cur=USD&amp;ref=INV-00000001"' in page
    assert page.count(">Pay now</a>") == 2  # each open invoice of the office; none for paid ones
    london = [dataclasses.replace(i, office="LDN") for i in INVOICES]
    publish_customers(customer_store, invoices=london)  # an office without a checkout: no button
    assert "Pay now" not in customer_client.get("/account").text

