"""Warehouse fixtures for the cash-application dbt tests: invoices ingested from landing
files the way the pipeline does, payments loaded into `raw.payments`, `dbt build`, and what
the marts then hold."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.cash.decisions import decisions_path, load_decisions
from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.sources import invoice_sources
from orchestration.policy import load_policy
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.dbt.payments.demo_payments import create_raw_payments
from tests.factories import export, row

POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")
LOADED_AT = dt.datetime(2026, 11, 23, 12)


def ingest_invoices(home: Path) -> None:
    """Every Salesforce export and tracker file under `home/landing` into `raw`."""
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, POLICY)
        create_raw_payments(con)
        for source in invoice_sources(POLICY):
            ingest_folder(con, source, home / "landing", home / "archive", home / "tmp", LOADED_AT,
                          settle_seconds=0)


def land_invoices(home: Path, rows: list[dict]) -> None:
    """One Salesforce report export of `rows` in `home/landing`, ingested into `raw`."""
    landing = home / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "invoices.csv").write_text(export(rows))
    ingest_invoices(home)


def dbt(home: Path, as_of: str, *args: str, decisions: Path | None = None,
        extra_vars: dict | None = None) -> subprocess.CompletedProcess:
    """`dbt <args>` on the warehouse under `home`, with the policy's vars as the pipeline passes them
    (and `extra_vars`), after loading the decisions file (`home`'s by default) as the run's
    `payments/decisions` does."""
    with connect(home / "warehouse.duckdb") as con:
        load_decisions(con, decisions or decisions_path(home))
    env = {**os.environ, "LEDGERLOOP_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_TARGET_PATH": str(home / "dbt-target"), "DBT_LOG_PATH": str(home / "dbt-logs")}
    dbt_vars = {"as_of": as_of, **POLICY.dbt_vars(), **(extra_vars or {})}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--vars", json.dumps(dbt_vars),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True, timeout=600,
    )


def invoice(number, balance, account="Acme, Inc.", account_id="001A", office="New York", currency="USD",
            amount=None, collector="Chris"):
    """One Salesforce report row of an open invoice."""
    return row(number, office=office, amount=amount or balance, balance=balance, Currency=currency,
               Collector=collector, **{"Account Name": account, "Account ID": account_id})


def insert_payments(home: Path, payments, loaded_at=lambda file: dt.datetime(2026, 11, 20)) -> None:
    """Receipts into `raw.payments` as the payments ingest loads them: each a tuple of payment id,
    bank id, day of November 2026, amount, currency, payer, reference and file."""
    with connect(home / "warehouse.duckdb") as con:
        for number, (pid, bank_id, day, amount, currency, payer, reference, file) in enumerate(payments, 2):
            con.execute(
                "insert into raw.payments by name select $payment_id as payment_id, $bank_id as "
                "bank_transaction_id, 'ACCT-1' as statement_account, $received_on as received_on, "
                "cast($amount as decimal(18, 2)) as amount, $currency as currency, $payer as payer, "
                "$reference as reference, 'bank_csv' as format, $file as _source_file, $file as "
                "_file_sha256, $row as _row_number, $loaded_at as _loaded_at, 1 as tx_index",
                {"payment_id": pid, "bank_id": bank_id, "received_on": dt.date(2026, 11, day),
                 "amount": amount, "currency": currency, "payer": payer, "reference": reference,
                 "file": file, "row": number, "loaded_at": loaded_at(file)},
            )


def build(home: Path, as_of: str) -> None:
    result = dbt(home, as_of, "build")
    assert result.returncode == 0, result.stdout[-5000:]


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql, params).fetchall()


def applications(home: Path) -> dict[str, list[tuple]]:
    """Each payment's applications: (invoice key, amount, rule, write-off candidate)."""
    rows = query(home, "select payment_id, invoice_key, applied_amount, rule, write_off_candidate_amount "
                       "from marts.payment_applications order by all")
    result: dict[str, list[tuple]] = {}
    for payment_id, *rest in rows:
        result.setdefault(payment_id, []).append(tuple(rest))
    return result


def exceptions(home: Path) -> dict[str, str]:
    """The exception queue: payment id -> reason."""
    return dict(query(home, "select payment_id, reason from marts.reconciliation_exceptions"))
