"""The `ledgerloop run` summary read from a warehouse: the payment exception queue's count and
unapplied cash per currency, beside the ledger totals."""

from decimal import Decimal

import duckdb

from orchestration.cli.runner import RunOutcome, read_warehouse_totals
from orchestration.settings import REPO_ROOT, Settings

WAREHOUSE = """
create schema marts;
create schema quarantine;
create table quarantine.rejected_rows (source varchar);
create table marts.ar_ledger (
    invoice_key varchar, currency varchar, status varchar, aging_bucket varchar,
    balance decimal(18, 2), days_past_due integer
);
insert into marts.ar_ledger values
    ('NYC:1', 'USD', 'open', '1-30', 100.00, 10), ('NYC:2', 'USD', 'paid', null, 0.00, null);
create table marts.reconciliation_exceptions (
    payment_id varchar, amount decimal(18, 2), applied_amount decimal(18, 2),
    unapplied_amount decimal(18, 2), currency varchar, reason varchar
);
insert into marts.reconciliation_exceptions values
    ('p1', 750.00, 700.00, 50.00, 'USD', 'unapplied_remainder'),
    ('p2', 1234.50, 0.00, 1234.50, 'USD', 'unknown_payer'),
    ('p3', 400.00, 0.00, 400.00, 'GBP', 'ambiguous_office');
"""


def summary_of(tmp_path, sql: str) -> RunOutcome:
    settings = Settings(home=tmp_path, config_path=REPO_ROOT / "ledgerloop.yaml")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(sql)
    outcome = RunOutcome(success=True, seconds=1.0, run_id="0123456789abcdef", settings=settings)
    read_warehouse_totals(outcome, settings)
    return outcome


def test_run_summary_shows_the_payment_queue_count_and_unapplied_cash_per_currency(tmp_path):
    outcome = summary_of(tmp_path, WAREHOUSE)
    report = outcome.report()
    assert "Unapplied cash queue: 3 payments with cash not yet applied to invoices" in report
    assert "ledgerloop payments resolve|unapply" in report
    rows = {" ".join(line.split()) for line in report.splitlines()}
    assert {"GBP 1 400.00", "USD 2 1,284.50"} <= rows
    assert outcome.as_dict()["payment_queue"] == [
        {"currency": "GBP", "payments": 1, "unapplied": "400.00"},
        {"currency": "USD", "payments": 2, "unapplied": "1284.50"},
    ]
    assert outcome.payment_queue[1][2] == Decimal("1284.50")


def test_run_summary_says_the_payment_queue_is_empty(tmp_path):
    outcome = summary_of(tmp_path, WAREHOUSE + "delete from marts.reconciliation_exceptions;")
    assert "Unapplied cash queue: empty" in outcome.report()
    assert outcome.as_dict()["payment_queue"] == []


def test_run_summary_without_cash_application_has_no_queue_line(tmp_path):
    outcome = summary_of(tmp_path, WAREHOUSE + "drop table marts.reconciliation_exceptions;")
    assert "Unapplied cash queue" not in outcome.report()
    assert outcome.as_dict()["payment_queue"] is None
