"""The customer door's read models (schema 4; invoice copies 5): the accounts whose contacts may
hold a link, the contacts, and each account's invoices, published by the pipeline in one
transaction. Every read takes the account id the guard found in the session: nothing in a
request chooses the account."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from portal.links import normalize_email
from portal.store.bulk import Fingerprinted, replace_tables
from portal.store.columns import money_checked, utcnow
from portal.store.connection import PortalStore
from portal.store.tables import customer_accounts, customer_contacts, customer_invoices, customer_remittances


@dataclass(frozen=True)
class CustomerAccount:
    """An account as its customer sees it: its collector, its statement and the rules of what the
    customer may enter (JSON: `customer_portal` of the policy)."""

    account_id: str
    account_name: str
    as_of_date: dt.date
    collector: str | None
    collector_email: str | None
    statement: str
    policy: str

    @property
    def rules(self) -> dict:
        return json.loads(self.policy)


@dataclass(frozen=True)
class CustomerContact:
    """A contact of an account (contacts/account_contacts.csv): who may hold its link."""

    account_id: str
    email: str
    contact_name: str | None


@dataclass(frozen=True)
class CustomerInvoice:
    """An invoice of the account: open, or settled in the last 12 months."""

    account_id: str
    invoice_key: str
    invoice_number: str
    currency: str
    amount: Decimal
    balance: Decimal
    invoice_date: dt.date | None
    due_date: dt.date | None
    days_past_due: int | None
    status: str
    settled_on: dt.date | None
    office: str | None = None
    document_url: str | None = None
    document_file: str | None = None
    document_sha256: str | None = None
    discrepancy: Decimal | None = None
    """What a short payment within the matching tolerance left open: the customer may accept it."""
    discrepancy_paid_on: dt.date | None = None


def _fields(cls) -> list[str]:
    return list(cls.__dataclass_fields__)


def publish(
    store: PortalStore,
    accounts: Iterable[CustomerAccount],
    contacts: Iterable[CustomerContact],
    invoices: Iterable[CustomerInvoice],
) -> dict[str, int]:
    """Replace the accounts, contacts and invoices at once: a contact dropped from the contacts
    file loses the door at this publish, and a page reads the old set or the new, never a mix."""
    replaced = {customer_accounts: account_rows(accounts), customer_invoices: invoice_rows(invoices)}
    return publish_planned(store, contacts, replaced=replaced)


def publish_planned(
    store: PortalStore,
    contacts: Iterable[CustomerContact],
    planned: Iterable[Fingerprinted] = (),
    replaced: dict | None = None,
) -> dict[str, int]:
    """`publish`, with the accounts and invoices planned from the warehouse's fingerprints
    (`orchestration.outreach.fingerprints`) rather than given whole."""
    planned = list(planned)
    replaced = {
        **(replaced or {}),
        customer_contacts: [{**money_checked(c, ()), "email": normalize_email(c.email)} for c in contacts],
    }
    replace_tables(store, replaced, fingerprinted=planned)
    return {table.name: len(rows) for table, rows in replaced.items()} | {
        plan.table.name: plan.rows for plan in planned}


def account_rows(accounts: Iterable[CustomerAccount]) -> list[dict]:
    return [money_checked(account, ()) for account in accounts]


def invoice_rows(invoices: Iterable[CustomerInvoice]) -> list[dict]:
    return [money_checked(invoice, ("amount", "balance", "discrepancy")) for invoice in invoices]


def contact(store: PortalStore, account_id: str, email: str) -> CustomerContact | None:
    """The published contact of this account with this email, if there is one."""
    query = select(*[customer_contacts.c[n] for n in _fields(CustomerContact)]).where(
        customer_contacts.c.account_id == account_id, customer_contacts.c.email == normalize_email(email)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else CustomerContact(*row)


def accounts_of(store: PortalStore, email: str) -> list[str]:
    """The accounts this email is a published contact of."""
    query = select(customer_contacts.c.account_id).where(customer_contacts.c.email == normalize_email(email))
    with store.engine.connect() as conn:
        return sorted(account_id for (account_id,) in conn.execute(query))


def account(store: PortalStore, account_id: str) -> CustomerAccount | None:
    """The published account, if it is published."""
    query = select(*[customer_accounts.c[n] for n in _fields(CustomerAccount)]).where(
        customer_accounts.c.account_id == account_id
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else CustomerAccount(*row)


def invoices(store: PortalStore, account_id: str) -> list[CustomerInvoice]:
    """The account's invoices, by due date then number."""
    query = (
        select(*[customer_invoices.c[n] for n in _fields(CustomerInvoice)])
        .where(customer_invoices.c.account_id == account_id)
        .order_by(customer_invoices.c.due_date, customer_invoices.c.invoice_number)
    )
    with store.engine.connect() as conn:
        return [CustomerInvoice(*row) for row in conn.execute(query)]


def invoice(store: PortalStore, account_id: str, invoice_key: str) -> CustomerInvoice | None:
    """The account's invoice with this key, if the account has it (another account's: None)."""
    query = select(*[customer_invoices.c[n] for n in _fields(CustomerInvoice)]).where(
        customer_invoices.c.account_id == account_id, customer_invoices.c.invoice_key == invoice_key
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else CustomerInvoice(*row)


@dataclass(frozen=True)
class Remittance:
    """A remittance advice a customer uploaded, and the invoices it lists (JSON)."""

    remittance_id: int
    account_id: str
    contact_email: str
    sha256: str
    kind: str
    stored_name: str
    invoices: str
    submitted_at: dt.datetime

    def listed(self) -> list[dict]:
        return json.loads(self.invoices)


def record_remittance(
    store: PortalStore,
    account_id: str,
    email: str,
    sha256: str,
    kind: str,
    stored_name: str,
    invoices: list[dict],
) -> None:
    """Keep the advice's list once per account and file (the same file again changes nothing)."""
    row = {
        "account_id": account_id,
        "contact_email": normalize_email(email),
        "sha256": sha256,
        "kind": kind,
        "stored_name": stored_name,
        "invoices": json.dumps(invoices),
        "submitted_at": utcnow(),
    }
    try:
        with store.writer.begin() as conn:
            conn.execute(insert(customer_remittances).values(**row))
    except IntegrityError:
        return


def remittances(store: PortalStore) -> list[Remittance]:
    """Every advice with a list, oldest first (the pipeline looks for their payments)."""
    query = (
        select(*[customer_remittances.c[n] for n in _fields(Remittance)])
        .where(customer_remittances.c.invoices != "[]")
        .order_by(customer_remittances.c.remittance_id)
    )
    with store.engine.connect() as conn:
        return [Remittance(*row) for row in conn.execute(query)]
