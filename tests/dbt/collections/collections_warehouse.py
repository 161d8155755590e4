"""A small warehouse for the collections marts: invoices ingested from a Salesforce export the
way the pipeline does, a payment, director answers, and `dbt build` of the collections marts
and everything upstream of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import export, row

AS_OF = "2026-11-23"
SCRIPT_ACCOUNT = "<script>alert(1)</script> & Co"
# reconciliation_exceptions: a singular test on payments (built upstream) reads it.
COLLECTIONS = ["+collector_worklist", "+collector_workload", "+account_timeline", "reconciliation_exceptions"]


def invoice(number, balance, collector="Chris", account="Acme, Inc.", account_id="001A", due="10/31/2026",
            office="New York", currency="USD", issued="10/1/2026"):
    return row(number, office=office, amount=balance, balance=balance, due=due, Currency=currency,
               Collector=collector, **{"Account Name": account, "Account ID": account_id,
                                       "Invoice Date": issued})


INVOICES = [
    invoice("2001", "1000.00"),
    invoice("2002", "500.00", due="8/1/2026", issued="7/1/2026"),
    invoice("2003", "300.00", due="12/15/2026"),
    invoice("2004", "100.00"),
    invoice("2005", "100.00"),
    invoice("2006", "100.00"),
    invoice("4001", "700.00", office="London", currency="GBP"),
    invoice("3001", "200.00", "Lee", "Beta LLC", "001B"),
    invoice("3002", "50.00", "Lee", SCRIPT_ACCOUNT, "001C"),
    invoice("5001", "80.00", "", "Delta Holdings", "001D"),
]

# update id, invoice, status, expected payment date, promised amount, submitted at
ANSWERS = [
    (1, "NYC:3001", "Payment is on its way", dt.date(2026, 11, 15), "200.00", dt.datetime(2026, 11, 10, 14)),
]


# payment id, currency, reference: pay-1 is applied to 2001; pay-gbp names a USD invoice and is
# queued (currency mismatch) with Chris's 2004 as its only candidate.
PAYMENTS = [("pay-1", "USD", "inv 2001"), ("pay-gbp", "GBP", "inv 2004")]


def load_answers_and_payment(home: Path) -> None:
    with connect(home / "warehouse.duckdb") as con:
        for update_id, key, status, expected, promised, at in ANSWERS:
            con.execute(
                "insert into raw.director_updates values ($id, $sub, 'dana@example.com', $key, $status, "
                "'client confirmed', $expected, cast($promised as decimal(18, 2)), null, null, $at, $at)",
                {"id": update_id, "sub": f"s{update_id}", "key": key, "status": status,
                 "expected": expected, "promised": promised, "at": at},
            )
        for payment_id, currency, reference in PAYMENTS:
            con.execute(
                "insert into raw.payments by name select $id as payment_id, $id as bank_transaction_id, "
                "'ACCT-1' as statement_account, date '2026-11-20' as received_on, 400.00 as amount, "
                "$currency as currency, 'ACME INC' as payer, $reference as reference, 'bank_csv' as format, "
                "'a.csv' as _source_file, 'a.csv' as _file_sha256, 2 as _row_number, "
                "timestamp '2026-11-21' as _loaded_at, 1 as tx_index",
                {"id": payment_id, "currency": currency, "reference": reference},
            )


def build_collections(home: Path) -> None:
    """Landing export, ingest, answers and payment, then `dbt build` of the collections marts."""
    landing = home / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "invoices.csv").write_text(export(INVOICES))
    ingest_invoices(home)
    load_answers_and_payment(home)
    result = dbt(home, AS_OF, "build", "--select", *COLLECTIONS)
    assert result.returncode == 0, result.stdout[-6000:]
