"""Invoice copies at the customer door: the account page links each invoice's copy (a PDF the
pipeline published, served by an account-checked route, or the source's https address), and the
route serves only a checked PDF of the session's own account; everything else is one 404."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, text

from portal.store import connect, customers, schema
from portal.store.tables import metadata
from tests.portal import customer_factories
from tests.portal.customer_factories import ACME, BOLT, INVOICES, publish_customers, sign_in_customer

customer_client = customer_factories.customer_client
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOSTILE_URL = 'https://files.example.com/x.pdf?a="><script>alert(1)</script>'


def with_copy(invoice, relative: str, data: bytes):
    return replace(invoice, document_file=relative, document_sha256=hashlib.sha256(data).hexdigest())


@pytest.fixture
def customer_store(portal_settings):
    """Acme's NYC:1 (open) and NYC:3 (paid) have PDFs, NYC:2 an address; Bolt's NYC:9 a PDF."""
    folder = portal_settings.home / "documents" / "NYC"
    folder.mkdir(parents=True)
    for name in ("INV-1.pdf", "3.pdf", "9.pdf"):
        (folder / name).write_bytes(PDF)
    by_key = {i.invoice_key: i for i in INVOICES}
    invoices = [
        with_copy(by_key["NYC:1"], "NYC/INV-1.pdf", PDF),
        replace(by_key["NYC:2"], document_url=HOSTILE_URL),
        with_copy(by_key["NYC:3"], "NYC/3.pdf", PDF),
        by_key["NYC:4"],
        with_copy(by_key["NYC:9"], "NYC/9.pdf", PDF),
    ]
    store = connect(portal_settings.db_url)
    publish_customers(store, invoices=invoices)
    yield store
    store.close()


def test_the_account_page_links_the_copy_of_each_invoice_that_has_one(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    page = customer_client.get("/account").text
    assert 'href="/account/invoices/NYC%3A1/copy" rel="noopener noreferrer"' in page  # open
    assert 'href="/account/invoices/NYC%3A3/copy" rel="noopener noreferrer"' in page  # paid this year
    assert page.count("Download invoice</a>") == 3
    assert "<script>alert(1)" not in page  # the address is escaped where it is shown
    assert ('href="https://files.example.com/x.pdf?a=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" '
            'rel="noopener noreferrer"') in page
    assert "NYC%3A9" not in page


def test_the_copy_route_serves_the_published_pdf_of_an_own_invoice(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    response = customer_client.get("/account/invoices/NYC:1/copy")
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="INV-00000001.pdf"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in response.headers["cache-control"]


def test_another_accounts_copy_and_made_up_keys_are_the_same_404(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)  # Acme's contact
    answers = [
        customer_client.get(f"/account/invoices/{key}/copy")
        for key in ("NYC:9", "NYC:99", "NYC:1x", "NYC%3A1%00", "NYC:2", "NYC:4")
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.text for r in answers}) == 1 and PDF not in answers[0].content
    sign_in_customer(customer_client, portal_settings, BOLT, "pay@bolt.example")
    assert customer_client.get("/account/invoices/NYC:9/copy").content == PDF


@pytest.mark.parametrize("path", [
    "/account/invoices/..%2F..%2Fportal.sqlite3/copy",
    "/account/invoices/NYC%2F..%2F..%2Fsecret.key/copy",
    "/account/invoices/%2e%2e/copy",
    "/account/invoices/NYC:1/../../secret.key",
    "/account/invoices/NYC:1/copy/..%2F..%2Fsecret.key",
])
def test_a_path_in_the_url_reaches_no_file(customer_client, portal_settings, path):
    (portal_settings.home / "secret.key").write_text("x" * 40)
    sign_in_customer(customer_client, portal_settings)
    response = customer_client.get(path)
    assert response.status_code in (404, 405) and b"xxxx" not in response.content


def test_a_published_record_pointing_outside_the_folder_is_not_served(
    customer_client, portal_settings, customer_store
):
    link = portal_settings.home / "documents" / "NYC" / "link.pdf"
    link.symlink_to(portal_settings.home / "portal.sqlite3")
    (portal_settings.home / "outside.pdf").write_bytes(PDF)
    acme = [i for i in INVOICES if i.account_id == ACME]
    forged = [
        with_copy(acme[0], "../outside.pdf", PDF),
        with_copy(acme[1], "NYC/../../outside.pdf", PDF),
        with_copy(acme[2], "NYC/link.pdf", PDF),
        with_copy(acme[3], "/etc/passwd", PDF),
    ]
    publish_customers(customer_store, invoices=forged)
    sign_in_customer(customer_client, portal_settings)
    for invoice in forged:
        assert customer_client.get(f"/account/invoices/{invoice.invoice_key}/copy").status_code == 404


def test_a_copy_replaced_by_something_else_since_the_run_is_not_served(customer_client, portal_settings):
    sign_in_customer(customer_client, portal_settings)
    path = portal_settings.home / "documents" / "NYC" / "INV-1.pdf"
    path.write_bytes(b"<html><script>alert(1)</script></html>")
    assert customer_client.get("/account/invoices/NYC:1/copy").status_code == 404
    path.write_bytes(PDF + b"% appended")  # a PDF still, but not the bytes the run checked
    assert customer_client.get("/account/invoices/NYC:1/copy").status_code == 404


def test_store_migrates_a_version_4_store_in_place_keeping_its_customers(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    engine = create_engine(url)
    v4 = MetaData()
    copies = {"document_url", "document_file", "document_sha256"}
    for name, table in metadata.tables.items():
        if name == "customer_invoices":
            Table(name, v4, *[c._copy() for c in table.columns if c.name not in copies])
        else:
            table.to_metadata(v4)
    with engine.begin() as conn:
        v4.create_all(conn)
        conn.execute(text("insert into schema_version values (4, '2026-11-01 00:00:00')"))
        conn.execute(text(
            "insert into customer_invoices (account_id, invoice_key, invoice_number, currency, amount, "
            "balance, status) values ('001A', 'NYC:1', 'INV-1', 'USD', '10.00', '10.00', 'open')"
        ))
    engine.dispose()
    store = connect(url)
    try:
        assert schema.recorded_version(store) == schema.SCHEMA_VERSION == 6
        assert {c["name"] for c in inspect(store.engine).get_columns("customer_invoices")} >= copies
        [kept] = customers.invoices(store, "001A")
        assert (kept.invoice_number, kept.document_url, kept.document_file) == ("INV-1", None, None)
    finally:
        store.close()
