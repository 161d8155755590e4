"""`dbt build` of cash application on hand-made invoices and payments: every rule, the
exceptions, cash conservation across payments, and manual decisions on the next run."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.cash.decisions import append_decision, decisions_path, make_decision, parse_invoice_choice
from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import (
    applications,
    build,
    exceptions,
    insert_payments,
    invoice,
    land_invoices,
    query,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
AS_OF = "2026-11-23"


INVOICES = [
    invoice("INV-0001001", "500.00"),
    invoice("1002", "300.00"),
    invoice("1003", "200.00"),
    invoice("1004", "2000.00"),
    invoice("1005", "1000.00"),
    invoice("1006", "700.00"),
    invoice("5000", "120.00", "Beta LLC", "001B"),
    invoice("5001", "80.00", "Beta LLC", "001B"),
    invoice("5002", "45.00", "Beta LLC", "001B"),
    invoice("7777", "100.00"),
    invoice("7777", "100.00", "Gamma Ltd", "001C", office="London"),
    invoice("8888", "60.00"),
    invoice("8888", "60.00", "Gamma Ltd", "001C", office="London"),
    invoice("9001", "50.00"),
    invoice("9002", "40.00"),
    invoice("9003", "400.00", "Delta Holdings Inc.", "001D"),
    invoice("9004", "150.00", "Delta Holdings Inc.", "001D"),
    invoice("9100", "75.00"),
]

# payment_id, bank id, day, amount, currency, payer, reference, file
PAYMENTS = [
    ("exact", "exact", 10, "500.00", "USD", "ACME INC", "INV-0001001 PO 123456", "a.csv"),
    ("multi", "multi", 10, "500.00", "USD", "Acme, Inc.", "inv 1002 & #1003", "a.csv"),
    ("partial", "partial", 10, "800.00", "USD", "ACME", "Invoice no. 1004 paid 11/10/2026", "a.csv"),
    ("short", "short", 10, "996.00", "USD", "ACME", "INV1005", "a.csv"),
    ("over", "over", 10, "750.00", "USD", "ACME", "#1006", "a.csv"),
    ("subset", "subset", 11, "200.00", "USD", "BETA LLC", None, "a.csv"),
    ("payer_amount", "payer_amount", 11, "45.00", "USD", "Beta, L.L.C.", "THANK YOU", "a.csv"),
    ("office_by_payer", "office_by_payer", 11, "100.00", "USD", "GAMMA LIMITED", "inv 7777", "a.csv"),
    ("office_unknown", "office_unknown", 11, "60.00", "USD", "J SMITH", "#8888", "a.csv"),
    ("currency", "currency", 11, "50.00", "GBP", "ACME", "inv 9001", "a.csv"),
    ("unknown", "unknown", 12, "123.45", "USD", "J SMITH", None, "a.csv"),
    ("stranger", "stranger", 12, "300.00", "USD", "ONLINE TRANSFER", None, "a.csv"),
    ("dup_first", None, 12, "40.00", "USD", "ACME", "inv 9002", "b.bai"),
    ("dup_second", None, 12, "40.00", "USD", "ACME", "inv 9002", "c.bai"),
    ("taken", "taken", 13, "500.00", "USD", "ACME", "INV 1001", "a.csv"),
    ("dlt_first", "dlt_first", 13, "250.00", "USD", "DLT HOLDINGS", None, "a.csv"),
    ("dlt_second", "dlt_second", 14, "150.00", "USD", "DLT HOLDINGS", None, "a.csv"),
    ("exact", "exact", 10, "500.00", "USD", "ACME INC", "INV-0001001 PO 123456", "d.csv"),  # again
    ("bounced", "bounced", 12, "75.00", "USD", "ACME", "inv 9100", "a.csv"),  # reversed in e.xml
]


def load_payments(home: Path) -> None:
    insert_payments(home, PAYMENTS,
                    lambda file: dt.datetime(2026, 11, 20) + dt.timedelta(days=file.startswith("d")))


def load_reversal(home: Path) -> None:
    """A later statement reverses the credit `bounced` that an earlier file brought."""
    with connect(home / "warehouse.duckdb") as con:
        con.execute(
            "insert into raw.payment_non_receipts by name select 'REV-1' as bank_transaction_id, "
            "'ACCT-1' as statement_account, date '2026-11-14' as booked_on, -75.00 as amount, "
            "'USD' as currency, 'ACME' as counterparty, 'inv 9100' as reference, 'reversal' as reason, "
            "'bounced' as reverses, 'camt053' as format, 'e.xml' as _source_file, 'e.xml' as "
            "_file_sha256, 7 as _row_number, timestamp '2026-11-21' as _loaded_at, 1 as tx_index"
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    home = tmp_path_factory.mktemp("cash")
    land_invoices(home, INVOICES)
    load_payments(home)
    load_reversal(home)
    build(home, AS_OF)
    return home


def test_reference_rules_place_payments(warehouse):
    placed = applications(warehouse)
    assert placed["exact"] == [("NYC:1001", Decimal("500.00"), "reference_exact", None)]
    assert placed["multi"] == [("NYC:1002", Decimal("300.00"), "reference_multi", None),
                               ("NYC:1003", Decimal("200.00"), "reference_multi", None)]
    assert placed["partial"] == [("NYC:1004", Decimal("800.00"), "reference_partial", None)]
    assert placed["short"] == [("NYC:1005", Decimal("996.00"), "reference_short_pay", Decimal("4.00"))]
    assert placed["over"] == [("NYC:1006", Decimal("700.00"), "reference_overpayment", None)]
    assert placed["office_by_payer"] == [("LDN:7777", Decimal("100.00"), "reference_exact", None)]


def test_payer_rules_place_payments_without_reference(warehouse):
    placed = applications(warehouse)
    assert placed["subset"] == [("NYC:5000", Decimal("120.00"), "payer_subset", None),
                                ("NYC:5001", Decimal("80.00"), "payer_subset", None)]
    assert placed["payer_amount"] == [("NYC:5002", Decimal("45.00"), "payer_amount", None)]


def test_what_cannot_be_placed_with_certainty_is_queued_with_its_reason(warehouse):
    assert exceptions(warehouse) == {
        "office_unknown": "ambiguous_office",
        "currency": "currency_mismatch",
        "unknown": "unknown_payer",
        "stranger": "unknown_payer",
        "dup_second": "possible_duplicate",
        "taken": "invoice_balance_taken",
        "dlt_first": "unknown_payer",
        "dlt_second": "unknown_payer",
        "bounced": "reversed_by_bank",
        # placed in part: its remainder waits for a person too
        "over": "unapplied_remainder",
    }
    candidates = query(warehouse, "select candidates, age_days from marts.reconciliation_exceptions "
                                  "where payment_id = 'office_unknown'")
    assert candidates[0][0].count('"invoice_key"') == 2 and '"LDN:8888"' in candidates[0][0]
    assert candidates[0][1] == 3
    # a payer nobody knows: the open invoices of exactly that amount are offered, not applied
    offered = query(warehouse, "select candidates from marts.reconciliation_exceptions "
                               "where payment_id = 'stranger'")
    assert '"NYC:1002"' in offered[0][0] and offered[0][0].count('"invoice_key"') == 1


def test_cash_is_conserved_and_the_ledger_counts_applications(warehouse):
    rows = query(warehouse, "select payment_id, amount, applied_amount, unapplied_amount, match_status "
                            "from marts.payments where payment_id in ('over', 'exact', 'unknown') order by 1")
    assert rows == [
        ("exact", Decimal("500.00"), Decimal("500.00"), Decimal("0.00"), "matched"),
        ("over", Decimal("750.00"), Decimal("700.00"), Decimal("50.00"), "partial"),
        ("unknown", Decimal("123.45"), Decimal("0.00"), Decimal("123.45"), "exception"),
    ]
    seen = query(warehouse, "select count(*), sum(times_loaded) from marts.payments "
                            "where payment_id = 'exact'")
    assert seen == [(1, 2)]
    ledger = query(warehouse, "select invoice_key, matched_paid_amount, balance, status from marts.ar_ledger "
                              "where invoice_key in ('NYC:1001', 'NYC:1004') order by 1")
    assert ledger == [("NYC:1001", Decimal("500.00"), Decimal("0.00"), "paid"),
                      ("NYC:1004", Decimal("800.00"), Decimal("1200.00"), "open")]
    # a credit the bank reversed later is not cash: the invoice stays open
    reversed_invoice = query(warehouse, "select matched_paid_amount, balance from marts.ar_ledger "
                                        "where invoice_key = 'NYC:9100'")
    assert reversed_invoice == [(Decimal("0.00"), Decimal("75.00"))]


def test_decisions_override_rules_and_teach_the_payer_alias(warehouse):
    path = decisions_path(warehouse)
    now = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)
    append_decision(path, make_decision("dlt_first", "resolve", (parse_invoice_choice("NYC:9003=250.00"),),
                                        "kim", now))
    append_decision(path, make_decision("exact", "unapply", (), "lee", now))
    append_decision(path, make_decision("office_unknown", "resolve", (parse_invoice_choice("8888"),),
                                        "kim", now))
    build(warehouse, AS_OF)
    placed, queued = applications(warehouse), exceptions(warehouse)
    assert placed["dlt_first"] == [("NYC:9003", Decimal("250.00"), "manual", None)]
    # the decision taught that DLT HOLDINGS is Delta Holdings: its next payment places itself
    assert placed["dlt_second"] == [("NYC:9004", Decimal("150.00"), "payer_amount", None)]
    # unapplied: back in the queue, and the invoice's balance goes to the later payment
    assert "exact" not in placed and queued["exact"] == "unapplied_by_decision"
    assert placed["taken"] == [("NYC:1001", Decimal("500.00"), "reference_exact", None)]
    # a number in two offices must be named with its office
    assert queued["office_unknown"] == "decision_invalid"
    detail = query(warehouse, "select detail from marts.reconciliation_exceptions "
                              "where payment_id = 'office_unknown'")
    assert "exists in several offices" in detail[0][0]
    who = query(warehouse, "select decided_by from marts.payment_applications where payment_id = 'dlt_first'")
    assert who == [("kim",)]
