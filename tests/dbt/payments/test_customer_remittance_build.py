"""`dbt build` of cash application with a customer's remittance advice (the customer door): a
payment the rules cannot place (two pairs of the payer's invoices make up its amount) waits in the
queue; the advice naming one pair becomes a decision, and the next build applies it there."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from orchestration.cash.decisions import append_decision, decisions_path
from orchestration.cash.remittances import remittance_decisions
from orchestration.storage.warehouse import connect
from portal.store.customers import Remittance
from tests.dbt.payments.dbt_payments import (
    applications,
    build,
    exceptions,
    insert_payments,
    invoice,
    land_invoices,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
AS_OF = "2026-11-23"
INVOICES = [invoice("700", "300.00"), invoice("701", "200.00"), invoice("702", "200.00")]
PAYMENTS = [("acme_lump", "acme_lump", 18, "500.00", "USD", "Acme, Inc.", "November invoices", "a.csv")]
ADVICE = Remittance(
    1,
    "001A",
    "ap@acme.example",
    "cd" * 32,
    "csv",
    "x.csv",
    json.dumps([{"invoice": "INV-00000700", "amount": "300.00"}, {"invoice": "inv 702", "amount": None}]),
    dt.datetime(2026, 11, 19, tzinfo=dt.UTC),
)


def test_a_customers_advice_places_a_payment_the_rules_left_in_the_queue(tmp_path):
    land_invoices(tmp_path, INVOICES)
    insert_payments(tmp_path, PAYMENTS)
    build(tmp_path, AS_OF)
    assert "acme_lump" in exceptions(tmp_path) and "acme_lump" not in applications(tmp_path)
    with connect(tmp_path / "warehouse.duckdb", read_only=True) as con:
        [decision] = remittance_decisions(con, [ADVICE], set(), dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC))
    append_decision(decisions_path(tmp_path), decision)
    build(tmp_path, AS_OF)
    assert applications(tmp_path)["acme_lump"] == [
        ("NYC:700", Decimal("300.00"), "manual", None),
        ("NYC:702", Decimal("200.00"), "manual", None),
    ]
    assert "acme_lump" not in exceptions(tmp_path)
