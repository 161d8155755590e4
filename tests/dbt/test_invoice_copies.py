"""Invoice copies reach `marts.ar_ledger`: a document address a Salesforce export maps, and a PDF
kept in documents/<office>/ (a file that is no PDF is refused, and the run says why)."""

import datetime as dt

import pytest

from orchestration.ingest.documents import load_documents, scan_documents
from orchestration.storage.warehouse import connect
from tests.dbt.test_dbt_build import POLICY, dbt_build, ledger, load
from tests.factories import HEADER, export, row

pytestmark = pytest.mark.integration
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("copies")
    load(home, "nyc.csv", export([
        row("INV-00501", **{"Document URL": "https://files.example.com/inv/501.pdf?sig=a%2Fb"}),
        row("502", **{"Document URL": "javascript:alert(document.cookie)"}),
        row("503"),
        row("504"),
    ], header=[*HEADER, "Document URL"]))
    folder = home / "documents" / "NY"  # an alias of NYC in the policy
    folder.mkdir(parents=True)
    (folder / "inv 503.pdf").write_bytes(PDF)
    (folder / "504.pdf").write_bytes(b"<html><script>alert(1)</script></html>")
    documents = scan_documents(home, POLICY)
    with connect(home / "warehouse.duckdb") as con:
        load_documents(con, documents, dt.datetime(2026, 11, 23, 12))
    result = dbt_build(
        home, "2026-11-23", "--select", "+ar_ledger", "assert_document_urls_are_https",
        "--indirect-selection", "cautious",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return home, documents


def test_a_mapped_document_url_reaches_the_ledger(built):
    home, _ = built
    rows = ledger(home)
    assert rows["NYC:501"]["document_url"] == "https://files.example.com/inv/501.pdf?sig=a%2Fb"
    assert rows["NYC:503"]["document_url"] is None


def test_a_document_url_with_another_scheme_keeps_its_invoice_out_with_the_reason(built):
    home, _ = built
    assert "NYC:502" not in ledger(home)
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        reasons = con.execute("select field, reason from quarantine.rejected_rows").fetchall()
    assert reasons == [
        ("document_url", "Document URL 'javascript:alert(document.cookie)' is not an https:// address")
    ]


def test_a_pdf_in_the_documents_folder_is_the_invoices_copy_and_a_disguised_file_is_refused(built):
    home, documents = built
    rows = ledger(home)
    assert rows["NYC:503"]["document_file"] == "NY/inv 503.pdf"
    assert len(rows["NYC:503"]["document_sha256"]) == 64
    assert rows["NYC:504"]["document_file"] is None
    refused = {d.checked.relative_path: d.problem for d in documents if d.problem}
    assert refused == {"NY/504.pdf": "not a PDF (it starts with b'<html><s', a PDF with b'%PDF-')"}
