"""The customer door's read models published from a real warehouse (dbt build of the collections
marts and the payment history): each contact in the contacts file gets their account's open and
recently paid invoices, its collector, and the very statement PDF `ledgerloop statement` prints."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal

import dagster as dg
import duckdb
import pytest
import yaml
from click.testing import CliRunner
from litestar.testing import TestClient

from orchestration.cli import main
from orchestration.defs.outreach.customers import customer_accounts
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.documents import load_documents, scan_documents
from orchestration.outreach.customers import COLLECTOR
from orchestration.outreach.portal_store import open_store
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from portal.app import create_app
from portal.store import customers
from tests.dbt.collections.collections_warehouse import (
    AS_OF,
    INVOICES,
    invoice,
    load_answers_and_payment,
    load_contacts_file,
    rebuild,
)
from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import HEADER, export
from tests.portal.customer_factories import sign_in_customer
from tests.portal.portal_factories import settings_for

CHRIS = "chris.collector@example.com"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AS_NOW = dt.datetime(2026, 11, 23, 12)
PAID = {**invoice("2009", "500.00", due="10/31/2026"), "Balance": "0.00"}  # settled before the run


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The collections marts and the payment history built once, with one invoice of Acme paid."""
    home = tmp_path_factory.mktemp("customers")
    landing = home / "landing" / "salesforce"
    landing.mkdir(parents=True)
    paid = {**PAID, "Document URL": "https://files.example.com/INV-2009.pdf"}
    (landing / "invoices.csv").write_text(export([*INVOICES, paid], header=[*HEADER, "Document URL"]))
    ingest_invoices(home)
    copies = home / "documents" / "NYC"
    copies.mkdir(parents=True)
    (copies / "INV-2001.pdf").write_bytes(PDF)
    (copies / "2005.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
    with connect(home / "warehouse.duckdb") as con:
        load_documents(con, scan_documents(home, load_policy(REPO_ROOT / "ledgerloop.yaml")), AS_NOW)
    load_answers_and_payment(home)
    load_contacts_file(home)
    rebuild(home, AS_OF)
    result = dbt(home, AS_OF, "build", "--select", "int_invoice_payment_history")
    assert result.returncode == 0, result.stdout[-4000:]
    policy = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    policy["team"] = {"collectors": [{"name": "Chris", "email": CHRIS, "office": "NYC"}], "managers": []}
    config = home / "policy.yaml"
    config.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return home, config


@pytest.fixture
def published(warehouse, monkeypatch):
    home, config = warehouse
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", settings_for(home).secret_key)
    resources = {"ledgerloop": LedgerloopResource(home=str(home), config_path=str(config), as_of=AS_OF)}
    result = dg.materialize([customer_accounts], resources=resources)
    assert result.success
    return home, config, result.asset_materializations_for_node("portal__customer_accounts")[0].metadata


def test_each_contact_gets_their_accounts_invoices_collector_and_statement(published):
    home, _, metadata = published
    # 001E's contact has no invoice in this ledger: nothing to show, no door
    assert (metadata["customer_accounts"].value, metadata["customer_contacts"].value) == (1, 1)
    with open_store(home) as store:
        assert customers.accounts_of(store, "AP@acme.example") == ["001A"]
        account = customers.account(store, "001A")
        assert (account.account_name, account.collector, account.collector_email) == (
            "Acme, Inc.",
            "Chris",
            CHRIS,
        )
        rows = {i.invoice_number: i for i in customers.invoices(store, "001A")}
    assert "INV-00002005" in rows  # the office's display format, whatever the source spelled
    assert rows["INV-00002001"].balance == 600 and rows["INV-00002001"].status == "open"
    assert rows["INV-00002009"].status == "paid" and rows["INV-00002009"].settled_on is not None
    assert all(i.account_id == "001A" for i in rows.values())


def test_invoice_copies_are_published_with_the_invoices_that_have_one(published):
    home, _, _ = published
    with open_store(home) as store:
        rows = {i.invoice_number: i for i in customers.invoices(store, "001A")}
    assert rows["INV-00002009"].document_url == "https://files.example.com/INV-2009.pdf"
    own = rows["INV-00002001"]
    assert (own.document_file, own.document_url) == ("NYC/INV-2001.pdf", None)
    assert len(rows["INV-00002001"].document_sha256) == 64
    # a file named .pdf that is not one is never published (the asset's metadata lists it)
    assert (rows["INV-00002005"].document_file, rows["INV-00002005"].document_sha256) == (None, None)


def test_the_portal_statement_is_the_pdf_of_ledgerloop_statement(published, tmp_path):
    home, config, _ = published
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["statement", "001A", "--as-of", AS_OF, "--out", str(out), "--home", str(home)],
        env={"LEDGERLOOP_CONFIG": str(config)},
    )
    assert result.exit_code == 0, result.output
    printed = (out / "001A.pdf").read_bytes()
    settings = settings_for(home)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        sign_in_customer(client, settings, "001A", "ap@acme.example")
        page = client.get("/account").text
        assert "INV-00002009" in page.split("Paid in the last 12 months")[1]
        served = client.get("/account/statement.pdf").content
    assert served == printed


def test_a_publish_moves_only_the_accounts_and_invoices_that_changed(warehouse, monkeypatch, tmp_path):
    """An unchanged ledger publishes nothing again; an invoice paid since rewrites its own row and
    its account's (the statement), and the account's row is the one a whole publish would give."""
    home = tmp_path / "home"
    shutil.copytree(warehouse[0], home)
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", settings_for(home).secret_key)

    def publish() -> dict:
        resources = {"ledgerloop": LedgerloopResource(home=str(home), config_path=str(warehouse[1]),
                                                      as_of=AS_OF)}
        result = dg.materialize([customer_accounts], resources=resources)
        return {k: v.value for k, v in result.asset_materializations_for_node(
            "portal__customer_accounts")[0].metadata.items()}

    with open_store(home) as store:  # published the way the portal's own tests publish: whole
        customers.publish(store, [], [], [])
    first = publish()
    assert first["rows_written"] == first["customer_accounts"] + first["customer_invoices"] > 2
    assert publish()["rows_written"] == 0
    with connect(home / "warehouse.duckdb") as con:
        con.execute("update marts.ar_ledger set balance = 100 where invoice_key = 'NYC:2001'")
    # The account's invoices are fingerprinted by account, and replaced together; here it is the
    # only account, so both tables, whose every row (group) changed, are replaced whole: its
    # invoices and its row (its statement) inserted.
    with open_store(home) as store:
        invoices_held = len(customers.invoices(store, "001A"))
    assert first["customer_accounts"] == 1 and first["customer_invoices"] == invoices_held > 1
    assert publish()["rows_written"] == invoices_held + 1
    with open_store(home) as store:
        paid_down = {i.invoice_number: i.balance for i in customers.invoices(store, "001A")}
        statement = customers.account(store, "001A").statement
    assert paid_down["INV-00002001"] == 100
    lines = {line[0]: line[5] for line in json.loads(statement)["invoices"]}
    assert Decimal(lines["INV-00002001"]) == 100


@pytest.mark.parametrize("invoices, collector", [
    # the largest open balance's collector, ties by invoice key; settled and unassigned ones aside
    ([("Kim", 10, "k1", "open", "2026-01-01"), ("Lee", 10, "k2", "open", None),
      ("Max", 90, "k0", "paid", "2026-05-01"), ("", 99, "k3", "open", None), (None, 99, "k4", "open", None)],
     "Lee"),
    # nothing open with a collector: the newest invoice's collector (no date: the oldest)
    ([("Kim", 0, "k1", "paid", "2026-01-01"), ("Lee", 0, "k2", "paid", None),
      ("Max", 0, "k0", "paid", "2026-05-01"), (None, 5, "k5", "open", "2026-09-01")], "Max"),
    ([(None, 5, "k5", "open", "2026-09-01"), ("", 5, "k6", "paid", None)], None),
])
def test_an_account_s_collector_is_its_largest_open_balance_s_else_its_newest_invoice_s(invoices, collector):
    con = duckdb.connect()
    con.execute("create table invoices (collector varchar, balance decimal(18, 2), invoice_key varchar, "
                "status varchar, invoice_date date)")
    con.executemany("insert into invoices values (?, ?, ?, ?, ?)", invoices)
    [(chosen,)] = con.execute(f"select {COLLECTOR} from invoices").fetchall()
    assert chosen == collector
