"""A tiny warehouse with `marts.ar_ledger` rows and portal answers, for outreach tests."""

import datetime as dt
from pathlib import Path

import duckdb

from orchestration.storage.warehouse import connect

LEDGER_DDL = """
create schema if not exists marts;
create or replace table marts.ar_ledger (
    invoice_key varchar, invoice_number varchar, display_number varchar, office varchar,
    account_id varchar, account_name varchar,
    project varchar, project_director varchar, director_email varchar, collector varchar,
    currency varchar, amount decimal(18, 2), balance decimal(18, 2), due_date date,
    status varchar, stage varchar, days_past_due integer, aging_bucket varchar
)
"""


def invoice(number: str, **changes) -> dict:
    """A ledger row; its display number is the source's spelling unless `display_number` is given."""
    values = dict(
        invoice_key=f"NYC:{number}", invoice_number=f"INV-{number}", office="NYC",
        account_id="001A", account_name="Acme, Inc.", project="Bridge", project_director="Dana Diaz",
        director_email="Dana@Example.com", collector="Chris", currency="USD", amount="5000.00",
        balance="2500.00", due_date=dt.date(2026, 9, 1), status="open", stage="Follow Up",
        days_past_due=83, aging_bucket="61-90",
    )
    values.update(changes)
    values.setdefault("display_number", values["invoice_number"])
    return values


def build_warehouse(path: Path, invoices: list[dict]) -> Path:
    with connect(path) as con:
        for statement in LEDGER_DDL.split(";"):
            if statement.strip():
                con.execute(statement)
        for values in invoices:
            _insert(con, values)
    return path


def _insert(con: duckdb.DuckDBPyConnection, values: dict) -> None:
    values = {"account_id": None, **values}
    con.execute(
        "insert into marts.ar_ledger by name select "
        "$invoice_key as invoice_key, $invoice_number as invoice_number, "
        "$display_number as display_number, $office as office, "
        "$account_id as account_id, $account_name as account_name, $project as project, "
        "$project_director as project_director, "
        "$director_email as director_email, $collector as collector, $currency as currency, "
        "$amount::decimal(18, 2) as amount, $balance::decimal(18, 2) as balance, "
        "$due_date::date as due_date, $status as status, $stage as stage, "
        "$days_past_due::integer as days_past_due, $aging_bucket as aging_bucket",
        values,
    )


def build_ledger_with_accounts(path: Path, invoices: list[dict], account_id: str = "A1") -> Path:
    """The ledger with one account for every row (drafts name the accounts they are about)."""
    build_warehouse(path, invoices)
    with connect(path) as con:
        con.execute("update marts.ar_ledger set account_id = ?", [account_id])
    return path
