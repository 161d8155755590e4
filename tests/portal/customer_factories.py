"""Customer door test data: two published accounts (Acme with two contacts, Bolt with one), their
invoices (open, paid this year, paid long ago), and signing a contact in."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from litestar.testing import TestClient

from notifications.statement_json import dump_statement
from notifications.statements import Statement, StatementInvoice
from portal.app import create_app
from portal.customer_links import CustomerLinkSigner
from portal.settings import PortalSettings
from portal.store import connect, customers
from portal.store.customers import CustomerAccount, CustomerContact, CustomerInvoice
from tests.notifications.test_statements import BUCKETS, HOW
from tests.portal.workbench_factories import entry_form

AS_OF = dt.date(2026, 11, 23)
ACME, BOLT = "001A", "001B"
ACME_AP = "ap@acme.example"
ACME_CFO = "cfo@acme.example"
BOLT_AP = "pay@bolt.example"


RULES = json.dumps(
    {
        "dispute_reasons": ["Wrong amount or rate", "Already paid", "Other"],
        "dispute_resolution_days": 30,
        "pay_now": {"NYC": "https://pay.example/checkout?amount={amount}&cur={currency}&ref={invoice}"},
    }
)


def invoice(
    account_id: str, key: str, number: str, balance: str, due: dt.date | None, **changes
) -> CustomerInvoice:
    base = CustomerInvoice(
        account_id=account_id,
        invoice_key=key,
        invoice_number=number,
        currency="USD",
        amount=Decimal("1000.00"),
        balance=Decimal(balance),
        invoice_date=dt.date(2026, 9, 1),
        due_date=due,
        days_past_due=None if due is None else (AS_OF - due).days,
        status="open" if Decimal(balance) > 0 else "paid",
        settled_on=None,
        office="NYC",
    )
    return replace(base, **changes)


INVOICES = [
    invoice(ACME, "NYC:1", "INV-00000001", "1000.00", dt.date(2026, 10, 1)),
    invoice(ACME, "NYC:2", "INV-00000002", "400.00", dt.date(2026, 12, 15)),
    invoice(ACME, "NYC:3", "INV-00000003", "0.00", dt.date(2026, 6, 1), settled_on=dt.date(2026, 6, 20)),
    invoice(ACME, "NYC:4", "INV-00000004", "0.00", dt.date(2025, 9, 1), settled_on=dt.date(2025, 10, 1)),
    invoice(BOLT, "NYC:9", "INV-00000009", "777.00", dt.date(2026, 9, 1)),
]


def statement_of(account_id: str, name: str) -> Statement:
    rows = [i for i in INVOICES if i.account_id == account_id and i.status == "open"]
    invoices = tuple(
        StatementInvoice(i.invoice_number, i.invoice_date, i.due_date, i.currency, i.amount, i.balance, "NYC")
        for i in rows
    )
    return Statement(account_id, name, AS_OF, BUCKETS, invoices, HOW)


def publish_customers(store, contacts: list[CustomerContact] | None = None, invoices=None) -> None:
    accounts = [
        CustomerAccount(
            ACME,
            "Acme, Inc.",
            AS_OF,
            "Chris",
            "chris.collector@example.com",
            dump_statement(statement_of(ACME, "Acme, Inc.")),
            RULES,
        ),
        CustomerAccount(
            BOLT,
            "Bolt LLC",
            AS_OF,
            "Lee",
            "lee.collector@example.com",
            dump_statement(statement_of(BOLT, "Bolt LLC")),
            RULES,
        ),
    ]
    if contacts is None:
        contacts = [
            CustomerContact(ACME, ACME_AP, "Isla Carter"),
            CustomerContact(ACME, ACME_CFO, "Omar Diaz"),
            CustomerContact(BOLT, BOLT_AP, "Bea Lin"),
        ]
    customers.publish(store, accounts, contacts, INVOICES if invoices is None else invoices)


def mint_customer(
    settings: PortalSettings, account_id: str = ACME, email: str = ACME_AP, version: int = 1
) -> str:
    return CustomerLinkSigner(settings.secret_key, settings.link_max_age_seconds).mint(
        account_id, email, version
    )


def sign_in_customer(client, settings: PortalSettings, account_id: str = ACME, email: str = ACME_AP) -> None:
    response = client.get(f"/a/{mint_customer(settings, account_id, email)}")
    assert response.status_code == 200, response.text


customer_form = entry_form
"""The hidden fields (CSRF token, submission id, kind) of the account page's form of a kind."""


@pytest.fixture
def customer_store(portal_settings):
    store = connect(portal_settings.db_url)
    publish_customers(store)
    yield store
    store.close()


@pytest.fixture
def customer_client(portal_settings, customer_store):
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as test_client:
        yield test_client
