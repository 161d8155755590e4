"""A small warehouse for the collections marts: invoices ingested from a Salesforce export the
way the pipeline does (one number spelled as customers do), payments, director answers, customer
contacts, collector entries (promises to pay, disputes, payment plans, notes) and a failed check,
and `dbt build` of the collections marts and everything upstream of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.dunning.contacts import contacts_path, load_contacts
from orchestration.dunning.facts import ensure_schema
from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import export, row

AS_OF = "2026-11-23"
SCRIPT_ACCOUNT = "<script>alert(1)</script> & Co"
# reconciliation_exceptions: a singular test on payments (built upstream) reads it.
COLLECTIONS = [
    "+collector_worklist",
    "+collector_worklist_items",
    "+collector_workload",
    "+account_timeline",
    "reconciliation_exceptions",
    "+alerts",
]


def invoice(
    number,
    balance,
    collector="Chris",
    account="Acme, Inc.",
    account_id="001A",
    due="10/31/2026",
    office="New York",
    currency="USD",
    issued="10/1/2026",
):
    return row(
        number,
        office=office,
        amount=balance,
        balance=balance,
        due=due,
        Currency=currency,
        Collector=collector,
        **{"Account Name": account, "Account ID": account_id, "Invoice Date": issued},
    )


INVOICES = [
    invoice("2001", "1000.00"),
    invoice("2002", "500.00", due="8/1/2026", issued="7/1/2026"),
    invoice("2003", "300.00", due="12/15/2026"),
    invoice("2004", "100.00"),
    invoice("inv 0002005", "100.00"),  # NYC:2005, shown as INV-00002005
    invoice("2006", "100.00"),
    invoice("4001", "700.00", office="London", currency="GBP"),
    invoice("3001", "200.00", "Lee", "Beta LLC", "001B"),
    invoice("3002", "50.00", "Lee", SCRIPT_ACCOUNT, "001C"),
    invoice("5001", "80.00", "", "Delta Holdings", "001D"),
]

# Avery Brooks (on the policy's roster) works Echo Partners (001E) and Golf Ltd (001G), whose
# records the promise, dispute, plan and alert tests follow over two as-of dates (11/23, 11/24).
AVERY = "Avery Brooks"
AVERY_EMAIL = "avery.brooks@meridianpartners.example"
RECORD_INVOICES = [
    invoice("6001", "1000.00", AVERY, "Echo Partners", "001E", due="10/25/2026"),  # 29 -> 30 days
    invoice(
        "6002", "400.00", AVERY, "Echo Partners", "001E", due="9/25/2026", issued="8/25/2026"
    ),  # 59 -> 60 days
    invoice("6003", "300.00", AVERY, "Echo Partners", "001E", due="10/24/2026"),  # 30 on 11/23
    invoice("6004", "250.00", AVERY, "Echo Partners", "001E", due="11/30/2026"),
    invoice("6005", "150.00", AVERY, "Echo Partners", "001E", due="11/10/2026"),
    invoice("6006", "120.00", AVERY, "Echo Partners", "001E", due="11/1/2026"),
    invoice("7001", "1500.50", AVERY, "Golf Ltd", "001G", due="9/1/2026", issued="8/1/2026"),
]

_ENTRY = dict.fromkeys(
    (
        "invoice_key",
        "note",
        "call_outcome",
        "currency",
        "promised_amount",
        "promised_date",
        "dispute_reason",
        "dispute_evidence",
        "dispute_deadline",
        "resolution",
        "plan_installments",
    )
)


def entry(entry_id, kind, account_id, at, **values):
    """A raw.collector_entries row (contract C2) by Avery."""
    return {
        **_ENTRY,
        "entry_id": entry_id,
        "submission_id": f"sub-{entry_id}",
        "collector_email": AVERY_EMAIL,
        "collector": AVERY,
        "kind": kind,
        "account_id": account_id,
        "submitted_at": at,
        **values,
    }


def day(text):
    return dt.date.fromisoformat(text)


ENTRIES = [
    # 6003: 300.00 promised by 11/20, 100.00 came: broken.
    entry(
        1,
        "promise",
        "001E",
        dt.datetime(2026, 11, 10, 15),
        invoice_key="NYC:6003",
        currency="USD",
        promised_amount="300.00",
        promised_date=day("2026-11-20"),
        note="will pay in full",
    ),
    # 6001: 200.00 promised by 11/21, 200.00 came on 11/18: kept.
    entry(
        2,
        "promise",
        "001E",
        dt.datetime(2026, 11, 12, 15),
        invoice_key="NYC:6001",
        currency="USD",
        promised_amount="200.00",
        promised_date=day("2026-11-21"),
    ),
    # 6004: promised by 11/25, pending and due within 3 days.
    entry(
        3,
        "promise",
        "001E",
        dt.datetime(2026, 11, 22, 15),
        invoice_key="NYC:6004",
        currency="USD",
        promised_amount="250.00",
        promised_date=day("2026-11-25"),
    ),
    # 6002: open dispute, deadline far; 6005: open dispute past its deadline; 6006: resolved.
    entry(
        4,
        "dispute",
        "001E",
        dt.datetime(2026, 11, 20, 9),
        invoice_key="NYC:6002",
        dispute_reason="Rate differs from the contract",
        dispute_evidence="contract.pdf",
        dispute_deadline=day("2026-12-10"),
    ),
    entry(
        5,
        "dispute",
        "001E",
        dt.datetime(2026, 11, 5, 9),
        invoice_key="NYC:6005",
        dispute_reason="Work not accepted",
        dispute_evidence="email of 11/4",
        dispute_deadline=day("2026-11-20"),
    ),
    entry(
        6,
        "dispute",
        "001E",
        dt.datetime(2026, 11, 5, 10),
        invoice_key="NYC:6006",
        dispute_reason="Duplicate invoice?",
        dispute_evidence="their PO",
        dispute_deadline=day("2026-11-30"),
    ),
    entry(
        7,
        "dispute_resolution",
        "001E",
        dt.datetime(2026, 11, 12, 10),
        invoice_key="NYC:6006",
        resolution="Not a duplicate: client agreed",
    ),
    entry(
        8,
        "call",
        "001E",
        dt.datetime(2026, 11, 21, 11),
        call_outcome="reached",
        note="<b>call back</b> Monday",
    ),
    # Golf Ltd: a plan replaced by a newer one; 500.25 of 1,000.50 due by 11/23 paid: behind.
    entry(
        9,
        "plan",
        "001G",
        dt.datetime(2026, 10, 15, 9),
        currency="USD",
        plan_installments='[{"due_on": "2026-10-30", "amount": "1500.50"}]',
    ),
    entry(
        10,
        "plan",
        "001G",
        dt.datetime(2026, 11, 1, 9),
        currency="USD",
        plan_installments='[{"due_on": "2026-11-10", "amount": "500.25"}, {"due_on": "2026-11-20", '
        '"amount": "500.25"}, {"due_on": "2026-12-10", "amount": "500.00"}]',
    ),
]

# payment id, received on, amount, reference: applied by reference to Avery's invoices.
RECORD_PAYMENTS = [
    ("pay-6003", day("2026-11-15"), "100.00", "inv 6003"),
    ("pay-6001", day("2026-11-18"), "200.00", "inv 6001"),
    ("pay-7001", day("2026-11-12"), "500.25", "inv 7001"),
]

# update id, invoice, status, expected payment date, promised amount, submitted at
ANSWERS = [
    (1, "NYC:3001", "Payment is on its way", dt.date(2026, 11, 15), "200.00", dt.datetime(2026, 11, 10, 14)),
]


# payment id, currency, reference: pay-1 is applied to 2001; pay-gbp names a USD invoice and is
# queued (currency mismatch) with Chris's 2004 as its only candidate.
PAYMENTS = [("pay-1", "USD", "inv 2001"), ("pay-gbp", "GBP", "inv 2004")]


# The staff-kept contacts file (orchestration.dunning.contacts), as the contacts asset loads it.
CONTACTS = (
    "Account ID,Contact Name,Email,Phone,Address,Time Zone,Customer Type\n"
    "001A,Pat Payer,ap@acme.example,+1 212 555 0101,1 Main St,,smb\n"
    "001E,Erin Echo,payables@echo.example,+1 212 555 0102,,,\n"
)


def load_contacts_file(home: Path) -> None:
    path = contacts_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONTACTS, encoding="utf-8")
    with connect(home / "warehouse.duckdb") as con:
        ensure_schema(con)
        load_contacts(con, path, dt.datetime(2026, 11, 23, tzinfo=dt.UTC))


def load_answers_and_payment(home: Path) -> None:
    with connect(home / "warehouse.duckdb") as con:
        for update_id, key, status, expected, promised, at in ANSWERS:
            con.execute(
                "insert into raw.director_updates values ($id, $sub, 'dana@example.com', $key, $status, "
                "'client confirmed', $expected, cast($promised as decimal(18, 2)), null, null, $at, $at)",
                {
                    "id": update_id,
                    "sub": f"s{update_id}",
                    "key": key,
                    "status": status,
                    "expected": expected,
                    "promised": promised,
                    "at": at,
                },
            )
        for payment_id, currency, reference in PAYMENTS:
            load_payment(con, payment_id, currency, reference)


def load_payment(con, payment_id: str, currency: str, reference: str, amount: str = "400.00") -> None:
    """One bank receipt of 20 Nov 2026 from ACME INC in raw.payments, as the payments ingest writes it."""
    con.execute(
        "insert into raw.payments by name select $id as payment_id, $id as bank_transaction_id, "
        "'ACCT-1' as statement_account, date '2026-11-20' as received_on, "
        "cast($amount as decimal(18, 2)) as amount, "
        "$currency as currency, 'ACME INC' as payer, $reference as reference, 'bank_csv' as format, "
        "'a.csv' as _source_file, 'a.csv' as _file_sha256, 2 as _row_number, "
        "timestamp '2026-11-21' as _loaded_at, 1 as tx_index",
        {"id": payment_id, "currency": currency, "reference": reference, "amount": amount},
    )


def add_entry(con, values: dict) -> None:
    """One raw.collector_entries row as the ingest writes it."""
    con.execute(
        "insert into raw.collector_entries by name select $entry_id as entry_id, "
        "$submission_id as submission_id, $collector_email as collector_email, "
        "$collector as collector, "
        "$kind as kind, $account_id as account_id, $invoice_key as invoice_key, $note as note, "
        "$call_outcome as call_outcome, $currency as currency, "
        "cast($promised_amount as decimal(18, 2)) as promised_amount, "
        "$promised_date as promised_date, "
        "$dispute_reason as dispute_reason, $dispute_evidence as dispute_evidence, "
        "$dispute_deadline as dispute_deadline, $resolution as resolution, "
        "cast($plan_installments as json) as plan_installments, $submitted_at as submitted_at, "
        "$submitted_at as _loaded_at",
        values,
    )


def load_records(home: Path) -> None:
    """Avery's collector entries and the payments applied to their invoices."""
    with connect(home / "warehouse.duckdb") as con:
        for values in ENTRIES:
            add_entry(con, values)
        con.execute(
            "insert into raw.outreach_events values ('ev-1', '001E', 'NYC:6001', 'email', 'sent', "
            "'Reminder: invoice 6001', timestamp '2026-11-19 10:00', 'avery.brooks')"
        )
        con.execute(  # a reminder the collector rejected in the portal: on the timeline, never sent
            "insert into raw.outreach_events values ('ev-2', '001E', 'NYC:6002', 'sms', 'rejected', "
            "'SMS (rejected: customer called)', timestamp '2026-11-19 10:30', 'avery.brooks')"
        )
        for payment_id, received_on, amount, reference in RECORD_PAYMENTS:
            con.execute(
                "insert into raw.payments by name select $id as payment_id, $id as bank_transaction_id, "
                "'ACCT-1' as statement_account, $received as received_on, "
                "cast($amount as decimal(18, 2)) as amount, "
                "'USD' as currency, 'ECHO PARTNERS' as payer, $reference as reference, 'bank_csv' as format, "
                "'b.csv' as _source_file, 'b.csv' as _file_sha256, 2 as _row_number, "
                "cast($received as timestamp) as _loaded_at, 1 as tx_index",
                {"id": payment_id, "received": received_on, "amount": amount, "reference": reference},
            )


def fail_check(home: Path, failed_at: dt.datetime) -> None:
    """A failed data-quality check as the Dagster run records it in raw.check_failures."""
    with connect(home / "warehouse.duckdb") as con:
        con.execute(
            "insert into raw.check_failures values ('ledger_balance_within_amount', 'marts/ar_ledger', "
            "'ERROR', "
            "'3 invoices <b>over</b> their amount', $at, 'run-1')",
            {"at": failed_at},
        )


def build_collections(
    home: Path, as_of: str = AS_OF, *, records: bool = False, payments: tuple[tuple[str, ...], ...] = ()
) -> None:
    """Landing export, ingest, answers and payments (with `records`: Avery's invoices, entries and
    payments too; `payments`: more receipts, as `load_payment` takes them), then `dbt build` of the
    collections marts as of `as_of`."""
    landing = home / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "invoices.csv").write_text(export(INVOICES + (RECORD_INVOICES if records else [])))
    ingest_invoices(home)
    load_answers_and_payment(home)
    with connect(home / "warehouse.duckdb") as con:
        for payment in payments:
            load_payment(con, *payment)
    load_contacts_file(home)
    if records:
        load_records(home)
    rebuild(home, as_of)


def rebuild(home: Path, as_of: str) -> None:
    """`dbt build` of the collections marts as of `as_of` on the warehouse as it is."""
    result = dbt(home, as_of, "build", "--select", *COLLECTIONS)
    assert result.returncode == 0, result.stdout[-6000:]
