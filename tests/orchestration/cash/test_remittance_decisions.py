"""A remittance advice from the customer door becomes a cash decision once exactly one payment of
its account has that much cash unapplied; without one it waits; it is decided once."""

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest

from orchestration.cash.remittances import decided_by, remittance_decisions
from portal.store.customers import Remittance

NOW = dt.datetime(2026, 11, 24, 15, tzinfo=dt.UTC)
MARTS = [
    "create schema marts",
    "create table marts.ar_ledger (invoice_key varchar, invoice_number varchar, display_number varchar, "
    "account_id varchar, account_name varchar, balance decimal(18, 2), "
    "currency varchar)",
    "create table marts.payments (payment_id varchar, amount decimal(18, 2), currency varchar, "
    "received_on date, payer varchar, applied_amount decimal(18, 2), unapplied_amount decimal(18, 2))",
    "create table marts.reconciliation_exceptions (payment_id varchar, reason varchar, candidates json)",
    "create table marts.payment_applications (payment_id varchar, invoice_key varchar, "
    "applied_amount decimal(18, 2))",
    "insert into marts.ar_ledger values "
    "('NYC:1', '1', 'INV-00000001', '001A', 'Acme, Inc.', 1000.00, 'USD'), "
    "('NYC:2', '2', 'INV-00000002', '001A', 'Acme, Inc.', 400.00, 'USD'), "
    "('NYC:9', '9', 'INV-00000009', '001B', 'Bolt LLC', 1400.00, 'USD')",
]


def advice(n: int, listed: list[dict], account: str = "001A") -> Remittance:
    return Remittance(n, account, "ap@acme.example", f"{n:064x}", "csv", f"{n}.csv", json.dumps(listed), NOW)


@pytest.fixture
def con():
    connection = duckdb.connect()
    for statement in MARTS:
        connection.execute(statement)
    yield connection
    connection.close()


def queue(con, payment_id: str, amount: str, candidates: list[str], payer: str = "ACME PAYABLES") -> None:
    con.execute(
        "insert into marts.payments values (?, ?, 'USD', date '2026-11-23', ?, 0, ?)",
        [payment_id, Decimal(amount), payer, Decimal(amount)],
    )
    con.execute(
        "insert into marts.reconciliation_exceptions values (?, 'no_reference', ?)",
        [payment_id, json.dumps(candidates)],
    )


def test_an_advice_waits_for_its_payment_then_decides_it_once(con):
    both = advice(1, [{"invoice": "INV-00000001", "amount": "1000.00"}, {"invoice": "inv 2", "amount": None}])
    assert remittance_decisions(con, [both], set(), NOW) == []  # no payment yet: it waits
    queue(con, "P-1", "1400.00", ["NYC:1", "NYC:2"])
    [decision] = remittance_decisions(con, [both], set(), NOW)
    assert (decision.payment_id, decision.action, decision.decided_by) == ("P-1", "resolve", decided_by(both))
    assert [(c.invoice, c.amount) for c in decision.invoices] == [
        ("INV-00000001", Decimal("1000.00")),
        ("inv 2", Decimal("400.00")),
    ]  # its open balance
    assert remittance_decisions(con, [both], {decided_by(both)}, NOW) == []  # decided once


def test_an_advice_that_fits_no_single_payment_of_its_account_decides_nothing(con):
    queue(con, "P-1", "1400.00", ["NYC:1", "NYC:2"])
    queue(con, "P-2", "1400.00", ["NYC:1", "NYC:2"])  # two payments of that much: a person decides
    queue(con, "P-9", "500.00", ["NYC:9"])
    listed = [
        {"invoice": "INV-00000001", "amount": "1000.00"},
        {"invoice": "INV-00000002", "amount": "400.00"},
    ]
    assert remittance_decisions(con, [advice(1, listed)], set(), NOW) == []
    assert (
        remittance_decisions(
            con, [advice(2, [{"invoice": "INV-00000009", "amount": "1400.00"}], "001B")], set(), NOW
        )
        == []
    )  # Bolt's only payment is 500.00
    assert remittance_decisions(con, [advice(3, [{"invoice": "nope", "amount": "1.00"}])], set(), NOW) == []


def test_an_advice_is_paid_only_by_a_payment_in_its_invoices_currency(con):
    con.execute(
        "insert into marts.payments values ('P-EUR', 1000, 'EUR', date '2026-11-23', 'ACME', 0, 1000)"
    )
    con.execute("insert into marts.reconciliation_exceptions values ('P-EUR', 'no_reference', '[\"NYC:1\"]')")
    listed = [{"invoice": "INV-00000001", "amount": "1000.00"}]
    assert remittance_decisions(con, [advice(1, listed)], set(), NOW) == []


def test_two_advices_never_take_the_same_payment(con):
    queue(con, "P-1", "1000.00", ["NYC:1"])
    first, second = (advice(n, [{"invoice": "INV-00000001", "amount": "1000.00"}]) for n in (1, 2))
    assert [d.payment_id for d in remittance_decisions(con, [first, second], set(), NOW)] == ["P-1"]


def test_the_asset_appends_each_decision_once_to_the_decisions_file(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.cash.decisions import decisions_path, read_decisions
    from orchestration.defs.outreach.customers import remittance_decisions as asset
    from orchestration.defs.resources import LedgerloopResource
    from orchestration.outreach.portal_store import open_store
    from orchestration.settings import REPO_ROOT
    from portal.store import customers

    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as warehouse:
        for statement in MARTS:
            warehouse.execute(statement)
        queue(warehouse, "P-1", "1000.00", ["NYC:1"])
    with open_store(tmp_path) as store:
        listed = [{"invoice": "INV-00000001", "amount": "1000.00"}]
        customers.record_remittance(store, "001A", "ap@acme.example", "ab" * 32, "csv", "x.csv", listed)
    resources = {
        "ledgerloop": LedgerloopResource(
            home=str(tmp_path), config_path=str(REPO_ROOT / "ledgerloop.yaml"), as_of="2026-11-24"
        )
    }
    for _ in range(2):
        assert dg.materialize([asset], resources=resources).success
    [decision] = read_decisions(decisions_path(tmp_path))
    assert (decision.payment_id, decision.decided_by) == (
        "P-1",
        f"remittance advice {'ab' * 8} from ap@acme.example",
    )
