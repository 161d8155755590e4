"""Remittance advices at the customer door: CSV, XLSX and PDF files kept outside the web root,
owner-only, named by their hash, noted on the account for the collector; oversized, empty and
disguised files (HTML named .csv, a PDF named .csv, a program named .pdf, a plain zip named .xlsx)
refused by their bytes, audited, and nothing stored."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest
import xlsxwriter
from fpdf import FPDF

from portal.app import STATIC_DIR
from portal.store import audit_log, collector_entries
from portal.uploads import MAX_UPLOAD_BYTES
from tests.portal import customer_factories
from tests.portal.customer_factories import ACME_AP, sign_in_customer

customer_store = customer_factories.customer_store
customer_client = customer_factories.customer_client
CSV = b"Invoice,Amount\nINV-00000001,1000.00\nINV-00000002,400.00\n"


def _xlsx() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Invoice", "Amount"])
    sheet.write_row(1, 0, ["INV-00000001", 1000])
    book.close()
    return out.getvalue()


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Remittance: INV-00000001 1000.00")
    return bytes(pdf.output())


def _upload_form(html: str) -> dict[str, str]:
    """The hidden fields (CSRF token, submission id) of the account page's upload form."""
    form = re.search(r'<form method="post" action="/account/remittances".*?</form>', html, flags=re.S).group(
        0
    )
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _upload(client, settings, name: str, content: bytes, **fields):
    sign_in_customer(client, settings)
    data = _upload_form(client.get("/account").text) if "submission_id" not in fields else {}
    data |= fields
    return client.post(
        "/account/remittances", data=data, files={"file": (name, content)}, follow_redirects=False
    )


def _kept(home: Path) -> list[Path]:
    return (
        sorted(p for p in (home / "uploads").rglob("*") if p.is_file()) if (home / "uploads").exists() else []
    )


@pytest.mark.parametrize(
    ("name", "make"), [("advice.csv", lambda: CSV), ("advice.xlsx", _xlsx), ("Advice.PDF", _pdf)]
)
def test_a_remittance_advice_is_kept_outside_the_web_root_and_noted_for_the_collector(
    customer_client, portal_settings, customer_store, name, make
):
    content = make()
    response = _upload(customer_client, portal_settings, name, content, details="Paid 1 and 2 on Friday")
    assert response.status_code == 303, response.text
    [kept] = _kept(portal_settings.home)
    assert kept.read_bytes() == content and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert STATIC_DIR not in kept.parents and kept.suffix == "." + name.rsplit(".", 1)[1].lower()
    [entry] = collector_entries.after(customer_store, 0, 10)
    assert (entry.kind, entry.entered_by, entry.collector_email) == ("note", "customer", ACME_AP)
    assert entry.note.startswith(f"Remittance advice uploaded: {name}") and kept.name in entry.note
    assert entry.note.endswith("Paid 1 and 2 on Friday")
    assert "Remittance advice uploaded" in customer_client.get(response.headers["location"]).text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("advice.csv", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "Upload a CSV"),
        ("advice.csv", b"<svg onload=alert(1)>,x</svg>", "Upload a CSV"),
        ("advice.csv", b"%PDF-1.4 not really", "does not match"),
        ("advice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "Upload a CSV"),
        ("advice.xlsx", b"PK\x03\x04" + b"\x00" * 60, "Upload a CSV"),
        ("advice.csv", b"", "empty"),
        ("advice.csv", b"a,b\n" + b"1," * (MAX_UPLOAD_BYTES // 2), "larger than 5 MB"),
    ],
)
def test_disguised_empty_and_oversized_files_are_refused_by_their_bytes(
    customer_client, portal_settings, customer_store, name, content, message
):
    response = _upload(customer_client, portal_settings, name, content)
    assert response.status_code == 400 and message in response.text
    assert "<script>alert(1)" not in response.text
    assert _kept(portal_settings.home) == [] and collector_entries.after(customer_store, 0, 10) == []
    [refused] = audit_log.entries(customer_store, "upload_refused")
    assert refused.account_id == "001A"


def test_a_body_far_over_the_cap_is_refused_before_it_is_read(customer_client, portal_settings):
    response = _upload(customer_client, portal_settings, "big.csv", b"a,b\n" * (2 * MAX_UPLOAD_BYTES // 4))
    assert response.status_code == 413
    assert _kept(portal_settings.home) == []


def test_an_upload_without_the_csrf_token_is_refused(customer_client, portal_settings, customer_store):
    response = _upload(customer_client, portal_settings, "advice.csv", CSV, submission_id="a" * 32)
    assert response.status_code == 403
    assert _kept(portal_settings.home) == []


def test_an_upload_needs_a_session(portal_settings, customer_store):
    from litestar.testing import TestClient

    from portal.app import create_app

    with TestClient(create_app(portal_settings)) as client:
        response = client.post("/account/remittances", files={"file": ("advice.csv", CSV)})
        assert response.status_code in (401, 403)
    assert _kept(portal_settings.home) == []


def _dispute(client, settings, files=None, **fields):
    sign_in_customer(client, settings)
    page = client.get("/account").text
    form = re.search(r'<form method="post" action="/account/disputes".*?</form>', page, flags=re.S).group(0)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    data |= {
        "invoice_key": "NYC:2",
        "dispute_reason": "Wrong amount or rate",
        "details": "Rate was 80",
    } | fields
    return client.post("/account/disputes", data=data, files=files or {}, follow_redirects=False)


def test_a_dispute_may_carry_an_attachment_kept_like_an_advice(
    customer_client, portal_settings, customer_store
):
    response = _dispute(customer_client, portal_settings, files={"file": ("quote.pdf", _pdf())})
    assert response.status_code == 303, response.text
    [kept] = _kept(portal_settings.home)
    assert kept.parent.parent.name == "disputes" and stat.S_IMODE(kept.stat().st_mode) == 0o600
    [entry] = collector_entries.after(customer_store, 0, 10)
    assert (entry.kind, entry.entered_by, entry.invoice_key) == ("dispute", "customer", "NYC:2")
    assert entry.dispute_evidence.startswith("Rate was 80 [attachment quote.pdf (PDF)") and kept.name in (
        entry.dispute_evidence
    )


def test_a_dispute_without_an_attachment_is_taken_and_a_disguised_one_refused(
    customer_client, portal_settings, customer_store
):
    assert _dispute(customer_client, portal_settings).status_code == 303
    [entry] = collector_entries.after(customer_store, 0, 10)
    assert entry.dispute_evidence == "Rate was 80"
    refused = _dispute(
        customer_client, portal_settings, files={"file": ("x.pdf", b"<html>")}, invoice_key="NYC:1"
    )
    assert refused.status_code == 400 and "Upload a CSV" in refused.text
    assert len(collector_entries.after(customer_store, 0, 10)) == 1 and _kept(portal_settings.home) == []


def test_a_dispute_on_another_accounts_invoice_is_refused_before_any_file_is_kept(
    customer_client, portal_settings, customer_store
):
    response = _dispute(
        customer_client, portal_settings, files={"file": ("q.pdf", _pdf())}, invoice_key="NYC:9"
    )
    assert response.status_code == 400 and "Choose one of the listed invoices." in response.text
    assert _kept(portal_settings.home) == [] and collector_entries.after(customer_store, 0, 10) == []
    assert [e.subject for e in audit_log.entries(customer_store, "foreign_invoice_rejected")] == ["NYC:9"]


@pytest.mark.parametrize(
    ("name", "make"), [("advice.csv", lambda: CSV), ("advice.xlsx", _xlsx), ("advice.pdf", _pdf)]
)
def test_the_advices_invoice_list_is_read_for_cash_application(
    customer_client, portal_settings, customer_store, name, make
):
    from portal.store import customers

    assert _upload(customer_client, portal_settings, name, make()).status_code == 303
    found = customers.remittances(customer_store)
    if name.endswith(".pdf"):  # kept for the collector to read; no list is read from a PDF
        assert found == []
        return
    [advice] = found
    assert (advice.account_id, advice.contact_email, advice.kind) == ("001A", ACME_AP, name[-4:].strip("."))
    expected = [{"invoice": "INV-00000001", "amount": "1000.00"}]
    if name.endswith(".csv"):
        expected.append({"invoice": "INV-00000002", "amount": "400.00"})
    assert advice.listed() == expected
