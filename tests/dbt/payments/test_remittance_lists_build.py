"""`dbt build` of cash application on remittances that list several invoices with the prefix
written once (`INV 04963, 08807`), and the exception queue holding every payment with cash not
applied, remainders included, until a person decides.

The spellings are those of issue 10 and of public bank files (a camt.053 test statement's
`Invoices 2026-000001 and 2026-000002`); the extraction of each spelling, and of what is not a
list, is the dbt unit test `test_bare_numbers_listed_after_a_prefixed_invoice_number`.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest

from orchestration.cash.decisions import append_decision, decisions_path, make_decision, parse_invoice_choice
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
    invoice("INV-04963", "12500.00"),
    invoice("08807", "34275.30"),
    invoice("123", "100.00"),
    invoice("124", "200.00"),
    invoice("125", "300.00"),
    invoice("554", "75.00"),
    invoice("560", "500.00"),
    invoice("2026-000001", "119.00", "Kunde GmbH", "001K"),
    invoice("2026-000002", "131.00", "Kunde GmbH", "001K"),
    invoice("1", "10.00", "Beta LLC", "001B"),
    invoice("2", "20.00", "Beta LLC", "001B"),
    invoice("100", "1000.00", "Delta Holdings", "001D"),
    invoice("101", "2000.00", "Delta Holdings", "001D"),
    invoice("102", "3000.00", "Delta Holdings", "001D"),
    invoice("55", "40.00", "Delta Holdings", "001D"),
    invoice("56", "60.00", "Delta Holdings", "001D"),
    invoice("555", "50.00", "Gamma Ltd", "001G", collector="Lee"),
]

# payment_id, bank id, day, amount, currency, payer, reference, file
PAYMENTS = [
    ("acme_two", "acme_two", 16, "46775.30", "USD", "ACME INC", "INV 04963, 08807", "a.csv"),
    ("acme_slash", "acme_slash", 16, "600.00", "USD", "Acme, Inc.", "Invoices 123/124/125", "a.csv"),
    ("beta_amp", "beta_amp", 16, "30.00", "USD", "BETA LLC", "inv 1 & 2", "a.csv"),
    ("kunde", "kunde", 16, "250.00", "USD", "Kunde GmbH", "Invoices 2026-000001 and 2026-000002", "a.csv"),
    # nobody knows the payer: the listed invoices count because they make up the amount exactly
    ("stranger_list", "stranger_list", 17, "6000.00", "USD", "J SMITH", "INV-100, 101 and 102", "a.csv"),
    # ... and not when they do not: 55 is named, 56 only listed
    ("stranger_short", "stranger_short", 17, "90.00", "USD", "ONLINE TRANSFER", "Inv# 55;56", "a.csv"),
    # 555 is Gamma's invoice, not the payer's: never applied there
    ("not_theirs", "not_theirs", 17, "125.00", "USD", "ACME INC", "INV 554, 555", "a.csv"),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    home = tmp_path_factory.mktemp("remittance_lists")
    land_invoices(home, INVOICES)
    insert_payments(home, PAYMENTS)
    build(home, AS_OF)
    return home


def queue_row(home, payment_id: str) -> dict:
    rows = query(home, "select amount, applied_amount, unapplied_amount, reason, detail, candidates "
                       "from marts.reconciliation_exceptions where payment_id = ?", [payment_id])
    if not rows:
        return {}
    amount, applied, unapplied, reason, detail, candidates = rows[0]
    listed = json.loads(candidates, parse_float=Decimal)
    return {"amount": amount, "applied": applied, "unapplied": unapplied, "reason": reason,
            "detail": detail, "candidates": {c["invoice_key"]: c["open_balance"] for c in listed}}


def test_a_list_with_the_prefix_once_names_every_invoice_of_the_payer(warehouse):
    placed = applications(warehouse)
    assert placed["acme_two"] == [("NYC:4963", Decimal("12500.00"), "reference_multi", None),
                                  ("NYC:8807", Decimal("34275.30"), "reference_multi", None)]
    assert placed["acme_slash"] == [("NYC:123", Decimal("100.00"), "reference_multi", None),
                                    ("NYC:124", Decimal("200.00"), "reference_multi", None),
                                    ("NYC:125", Decimal("300.00"), "reference_multi", None)]
    assert placed["beta_amp"] == [("NYC:1", Decimal("10.00"), "reference_multi", None),
                                  ("NYC:2", Decimal("20.00"), "reference_multi", None)]
    assert placed["kunde"] == [("NYC:2026000001", Decimal("119.00"), "reference_multi", None),
                               ("NYC:2026000002", Decimal("131.00"), "reference_multi", None)]
    status = dict(query(warehouse, "select payment_id, match_status from marts.payments"))
    assert {status[p] for p in ("acme_two", "acme_slash", "beta_amp", "kunde")} == {"matched"}
    evidence = query(warehouse, "select confidence, evidence from marts.payment_applications "
                                "where payment_id = 'acme_two' and invoice_key = 'NYC:8807'")
    assert evidence[0][0] == Decimal("0.95")
    assert evidence[0][1].startswith("reference lists 8807 after an invoice number (an invoice of the payer")


def test_without_a_known_payer_a_list_counts_only_when_it_makes_up_the_amount(warehouse):
    placed = applications(warehouse)
    assert placed["stranger_list"] == [("NYC:100", Decimal("1000.00"), "reference_multi", None),
                                       ("NYC:101", Decimal("2000.00"), "reference_multi", None),
                                       ("NYC:102", Decimal("3000.00"), "reference_multi", None)]
    # 40 + 60 is not 90: only the named invoice is placed, the rest waits for a person
    assert placed["stranger_short"] == [("NYC:55", Decimal("40.00"), "reference_overpayment", None)]


def test_a_listed_number_of_another_account_is_never_applied_there(warehouse):
    placed = applications(warehouse)
    assert placed["not_theirs"] == [("NYC:554", Decimal("75.00"), "reference_overpayment", None)]
    untouched = query(warehouse, "select matched_paid_amount, balance from marts.ar_ledger "
                                 "where invoice_key = 'NYC:555'")
    assert untouched == [(Decimal("0.00"), Decimal("50.00"))]


def test_a_remainder_is_queued_with_its_reason_and_candidates(warehouse):
    remainder = queue_row(warehouse, "not_theirs")
    assert (remainder["amount"], remainder["applied"], remainder["unapplied"], remainder["reason"]) == (
        Decimal("125.00"), Decimal("75.00"), Decimal("50.00"), "unapplied_remainder")
    assert remainder["detail"] == ("applied 75.00 of 125.00 USD to NYC:554 (reference_overpayment); "
                                   "50.00 unapplied")
    # the invoice it went to (nothing left open), the listed number a person may confirm, the
    # account's other open invoices; never the invoices the run already paid in full elsewhere
    assert remainder["candidates"]["NYC:554"] == Decimal("0.00")
    assert remainder["candidates"]["NYC:555"] == Decimal("50.00")
    assert remainder["candidates"]["NYC:560"] == Decimal("500.00")
    assert "NYC:4963" not in remainder["candidates"]
    assert queue_row(warehouse, "stranger_short")["candidates"].keys() == {"NYC:55", "NYC:56"}
    assert not queue_row(warehouse, "acme_two")


def test_a_queued_remainder_is_on_the_worklist_for_its_cash_still_to_place(warehouse):
    items = query(warehouse, "select collector, item_key, balance, reason "
                             "from marts.collector_worklist_items "
                             "where payment_id is not null order by item_key")
    # stranger_short's candidates are all Chris's: 50.00 to place, not the 90.00 paid (40.00 of
    # it already lowered NYC:55's balance); not_theirs spans Chris and Lee: cash application's
    assert items == [("Chris", "payment:stranger_short", Decimal("50.00"), "unmatched_payment")]


def test_a_person_deciding_a_remainder_takes_it_off_the_queue(warehouse):
    now = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)
    append_decision(decisions_path(warehouse),
                    make_decision("stranger_short", "resolve", (parse_invoice_choice("55"),), "kim", now))
    build(warehouse, AS_OF)
    assert applications(warehouse)["stranger_short"] == [("NYC:55", Decimal("40.00"), "manual", None)]
    assert "stranger_short" not in exceptions(warehouse)
    # still visible as what it is: a payment placed in part, its remainder left by a person
    assert query(warehouse, "select match_status, unapplied_amount from marts.payments "
                            "where payment_id = 'stranger_short'") == [("partial", Decimal("50.00"))]
    assert exceptions(warehouse)["not_theirs"] == "unapplied_remainder"
