"""The customer door's read models, from the warehouse for the portal store: every account with a
contact in the contacts file (and a ledger), its invoices (open, and settled in the last 12
months, numbers as the office writes them, with their copies: a document address or a checked PDF),
its collector, and its statement as
`ledgerloop statement` makes it for the run's day (so the portal serves the same PDF).

The accounts and invoices are planned from fingerprints (`fingerprints.py`): an account whose
invoices did not change since the last publish is not read again, its statement not rebuilt."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb

from notifications.statement_json import dump_statement
from notifications.statements import Statement
from orchestration.dunning.contacts import current_contacts
from orchestration.outreach.fingerprints import WarehouseReadModel
from orchestration.outreach.statements import read_statements, settled_statements
from orchestration.policy import Policy
from portal.store import customers
from portal.store.customers import CustomerAccount, CustomerContact, CustomerInvoice
from portal.store.tables import customer_accounts, customer_invoices

PAID_HISTORY_DAYS = 365

_INVOICES = """
with short_paid as (  -- what a short payment within the tolerance left open, not written off yet
    select applications.invoice_key, applications.write_off_candidate_amount, payments.received_on
    from marts.payment_applications as applications
    inner join marts.payments as payments using (payment_id)
    where applications.write_off_candidate_amount > 0 and applications.written_off_amount is null
    qualify row_number() over (
        partition by applications.invoice_key order by payments.received_on desc, applications.payment_id desc
    ) = 1
)
select ledger.account_id, ledger.invoice_key, coalesce(ledger.display_number, ledger.invoice_number),
    coalesce(ledger.currency, ''), coalesce(ledger.amount, ledger.balance), ledger.balance,
    ledger.invoice_date, ledger.due_date, ledger.days_past_due, ledger.status, history.settled_on,
    ledger.collector, ledger.office, ledger.document_url, ledger.document_file, ledger.document_sha256,
    short_paid.write_off_candidate_amount, short_paid.received_on, ledger.account_name
from marts.ar_ledger as ledger
left join intermediate.int_invoice_payment_history as history using (invoice_key)
left join short_paid
    on short_paid.invoice_key = ledger.invoice_key and ledger.status = 'open'
    and short_paid.write_off_candidate_amount = ledger.balance
where ledger.account_id in (select unnest($accounts::varchar []))
    and (ledger.status = 'open' or history.settled_on >= $since)
order by ledger.account_id, ledger.invoice_key
"""


def _statements(con, policy: Policy, as_of: dt.date, account_ids: set[str]) -> dict[str, Statement]:
    """The statement of each account: one read of their open invoices, one of the accounts with
    nothing open (not a read per account: thousands of them at a million invoices)."""
    found = {s.account_id: s for s in read_statements(con, policy, as_of, accounts=sorted(account_ids))}
    settled = settled_statements(con, policy, as_of, sorted(account_ids - found.keys()))
    found.update((s.account_id, s) for s in settled)
    return found


COLLECTOR = """coalesce(
    arg_max(invoices.collector, (invoices.balance, invoices.invoice_key))
        filter (where invoices.status = 'open' and invoices.collector <> ''),
    arg_max(invoices.collector, (coalesce(invoices.invoice_date, date '0001-01-01'), invoices.invoice_key))
        filter (where invoices.collector <> '')
)"""
"""An account's collector: the one of its largest open balance, else of its newest invoice."""

DOOR_INVOICES = "customer_door_invoices"
"""The published accounts' invoices (`_INVOICES`), queried once per publish into this temporary
table: both read models are made from it (at 1M invoices, the query ran twice)."""

_ACCOUNTS = f"""
select invoices.account_id, list(hash(invoices) order by invoices.invoice_key) as invoices,
    known.account_name, known.offices, {COLLECTOR} as collector
from {DOOR_INVOICES} as invoices
inner join (  -- what a statement with nothing open is headed with: every invoice the account had
    select account_id, max(account_name) as account_name, list(distinct office order by office) as offices
    from marts.ar_ledger
    where account_id in (select unnest($accounts::varchar []))
    group by account_id
) as known using (account_id)
group by all
"""
"""Each published account with everything its row is made of (its fingerprint's input; its
invoices by their hashes, a third of the time of hashing the list of them whole at 1M invoices):
only its id and collector are fetched; its statement is read apart, once per batch of accounts."""


def customer_read_models(
    con: duckdb.DuckDBPyConnection, policy: Policy, home: Path, as_of: dt.date
) -> tuple[WarehouseReadModel, WarehouseReadModel, dict[str, dict]]:
    """The accounts with a contact email and something to show (open or recently paid invoices)
    and their invoices, to plan from fingerprints on `con` (which holds their invoices for it,
    `DOOR_INVOICES`), and every account's contact by account id."""
    contacts = {a: c for a, c in current_contacts(con, home).items() if (c.get("email") or "").strip()}
    params = {"accounts": sorted(contacts), "since": as_of - dt.timedelta(days=PAID_HISTORY_DAYS)}
    con.execute(f"create or replace temp table {DOOR_INVOICES} as {_INVOICES}", params)
    emails = {m.name.casefold().strip(): m.email for m in policy.team.collectors}
    rules = json.dumps(policy.customer_portal.published(), sort_keys=True)
    # What shapes a published row besides the warehouse's rows: the day, the rules, the roster,
    # the statement's policy (sender, remit-to, buckets) and this conversion.
    buckets = [[b.label, b.max_days] for b in policy.aging.buckets]
    salt = json.dumps([as_of.isoformat(), rules, emails, policy.statements.model_dump(mode="json"),
                       buckets, 1], sort_keys=True, default=str)

    # The statements are read beside the rows being fetched to publish, on a cursor of their own
    # (a query on the publish's connection would end that fetch).
    statements_reader = con.cursor()

    def accounts(raw: list[tuple]) -> list[dict]:
        statements = _statements(statements_reader, policy, as_of, {account_id for account_id, _ in raw})
        return customers.account_rows(
            CustomerAccount(account_id, statements[account_id].account_name, as_of, collector,
                            emails.get((collector or "").casefold().strip()),
                            dump_statement(statements[account_id]), rules)
            for account_id, collector in sorted(raw)
        )

    def invoices(raw: list[tuple]) -> list[dict]:
        return customers.invoice_rows(
            CustomerInvoice(
                r[0], r[1], r[2] or r[1], r[3], Decimal(r[4]), Decimal(r[5]), *r[6:11], *r[12:16],
                None if r[16] is None else Decimal(r[16]), r[17],
            )
            for r in raw
        )

    return (
        WarehouseReadModel(customer_accounts, _ACCOUNTS, accounts, salt, {"accounts": params["accounts"]},
                           fingerprinted_only=("invoices", "account_name", "offices")),
        WarehouseReadModel(customer_invoices, f"select * from {DOOR_INVOICES}", invoices, salt,
                           group_by=("account_id",)),
        contacts,
    )


def contacts_of(contacts: dict[str, dict], account_ids: list[str]) -> list[CustomerContact]:
    """The published accounts' contacts (`contacts` as `customer_read_models` gives them)."""
    return [
        CustomerContact(account_id, contact["email"].strip(), contact.get("contact_name"))
        for account_id in sorted(account_ids)
        for contact in [contacts[account_id]]
    ]
