"""File ingest: every row read is loaded or quarantined with file, row, field and reason."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.sources import legacy_tracker, salesforce_exports
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.factories import HEADER, export, row

POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")
NOW = dt.datetime(2026, 11, 23, 12, 0)


def drop(home: Path, name: str, content: str | bytes, folder="salesforce") -> Path:
    path = home / "landing" / folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def ingest(home: Path, source=None, settle_seconds=0):
    source = source or salesforce_exports(POLICY)
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, POLICY)
        return ingest_folder(con, source, home / "landing", home / "archive", home / "tmp", NOW,
                             settle_seconds)


def query(home: Path, sql: str):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def test_export_loads_typed_rows_and_drops_the_salesforce_footer(home):
    drop(home, "nyc.csv", export([row(), row(number="0000124", amount="USD 99.00", balance="99.00",
                                              office="NY", due="2026-11-30")]))
    (result,) = ingest(home)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 2, 2, 0)
    assert result.footer_lines == 5
    assert result.exported_at == dt.datetime(2026, 11, 9, 12, 2)  # 7:02 AM New York, as UTC
    assert query(home, "select invoice_number, office, amount, balance, due_date, last_modified_at "
                       "from raw.salesforce_invoices order by _row_number") == [
        ("INV-00123", "NYC", Decimal("1234.56"), Decimal("1000.00"), dt.date(2026, 10, 31),
         dt.datetime(2026, 11, 7, 10, 14)),
        ("0000124", "NYC", Decimal("99.00"), Decimal("99.00"), dt.date(2026, 11, 30),
         dt.datetime(2026, 11, 7, 10, 14)),
    ]


def test_bad_rows_are_quarantined_with_file_row_field_and_reason(home):
    drop(home, "nyc.csv", export([
        row(), row(number="125", amount="12O.50"), row(number="126", due="2/30/2026"),
        row(number=""), row(number="128", office="Paris"),
    ]))
    (result,) = ingest(home)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 1, 4)
    rejected = query(home, "select source, source_file, row_number, field, reason, raw_record "
                           "from quarantine.rejected_rows order by row_number")
    assert [(r[1], r[2], r[3]) for r in rejected] == [
        ("nyc.csv", 3, "amount"), ("nyc.csv", 4, "due_date"), ("nyc.csv", 5, "invoice_number"),
        ("nyc.csv", 6, "office"),
    ]
    assert rejected[0][4] == "Amount '12O.50' is not an amount"
    assert rejected[1][4] == "Due Date '2/30/2026' is not a valid date"
    assert rejected[3][4] == ("Office 'Paris' is not an office in ledgerloop.yaml (add it to offices:, "
                              "as an office or an alias of one)")
    assert json.loads(rejected[0][5])["Amount"] == "12O.50"


def test_a_row_with_several_problems_lists_every_reason(home):
    drop(home, "nyc.csv", export([row(amount="abc", balance="-5.00", due="")]))
    ingest(home)
    ((field, reason),) = query(home, "select field, reason from quarantine.rejected_rows")
    assert field == "due_date"
    assert reason == "Due Date is empty; Amount 'abc' is not an amount; Balance '-5.00' is negative"


def test_missing_required_column_rejects_the_file_and_keeps_every_row(home):
    header = [h if h != "Due Date" else "Due Dt" for h in HEADER]
    rows = [{("Due Dt" if k == "Due Date" else k): v for k, v in row().items()} for _ in range(3)]
    drop(home, "renamed.csv", export(rows, header=header))
    (result,) = ingest(home)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "rejected", 3, 0, 3)
    expected = "required column 'Due Date' (ledger field due_date) is missing (found 'Due Dt': renamed?)"
    assert expected in result.error
    assert query(home, "select count(*), min(field) from quarantine.rejected_rows") == [(3, "due_date")]
    assert query(home, "select status, error is not null from raw.ingested_files") == [("rejected", True)]


def test_empty_file_is_rejected_with_a_clear_error(home):
    drop(home, "empty.csv", b"")
    (result,) = ingest(home)
    assert result.status == "rejected"
    assert result.error == "empty.csv: the file is empty (0 bytes)"
    assert query(home, "select source_file, row_number, reason from quarantine.rejected_rows") == [
        ("empty.csv", None, "empty.csv: the file is empty (0 bytes)")]


def test_header_only_file_loads_nothing_and_is_fine(home):
    drop(home, "header.csv", export([], footer=False))
    (result,) = ingest(home)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 0, 0)


def test_non_utf8_export_is_read_in_the_fallback_encoding(home):
    content = export([row(**{"Account Name": "Société Générale €"})]).encode("cp1252")
    drop(home, "cp1252.csv", content)
    (result,) = ingest(home)
    assert (result.status, result.encoding, result.rows_loaded) == ("loaded", "cp1252", 1)
    assert query(home, "select account_name from raw.salesforce_invoices") == [("Société Générale €",)]


def test_undecodable_file_is_rejected_naming_the_line(home):
    content = export([row()]).encode("utf-8") + b"\x81\x8d broken\n"
    drop(home, "garbage.csv", content)
    (result,) = ingest(home)
    assert result.status == "rejected"
    assert "is neither UTF-8 nor cp1252" in result.error
    assert "line 9" in result.error  # header, row, footer: the appended line


def test_duplicate_rows_are_loaded_and_counted(home):
    drop(home, "dups.csv", export([row(), row(), row()]))
    (result,) = ingest(home)
    assert (result.rows_read, result.rows_loaded) == (3, 3)


def test_the_same_file_dropped_twice_is_processed_once_and_archived(home):
    content = export([row()])
    drop(home, "nyc.csv", content)
    ingest(home)
    drop(home, "nyc-copy.csv", content)
    (result,) = ingest(home)
    assert result.status == "duplicate"
    assert query(home, "select count(*) from raw.salesforce_invoices") == [(1,)]
    assert query(home, "select count(*) from raw.ingested_files") == [(1,)]
    assert not list((home / "landing" / "salesforce").iterdir())
    assert len(list((home / "archive" / "salesforce").rglob("*.csv"))) == 2


def test_trailing_single_cell_rows_without_footer_markers_are_quarantined(home):
    drop(home, "cut.csv", export([row()], footer=False) + '"INV-9"\n')
    (result,) = ingest(home)
    assert (result.footer_lines, result.rows_read, result.rows_quarantined) == (0, 2, 1)


def test_tracker_spreadsheet_loads_with_spreadsheet_row_numbers(home):
    path = home / "landing" / "tracker" / "legacy_tracker.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Tracker")
    date_format = book.add_format({"num_format": "m/d/yyyy"})
    sheet.write_row(0, 0, ["Collections tracker (do not sort)"])
    sheet.write_row(1, 0, ["Office", "Invoice #", "Client", "Amount", "Due Date",
                           "Collections Stage", "Notes", "Last Updated", "Updated By"])
    sheet.write_row(2, 0, ["NY", "inv 123", "Acme", 1234.56])
    sheet.write_datetime(2, 4, dt.datetime(2026, 10, 31), date_format)
    sheet.write_row(2, 5, ["follow-up", "Called AP, waiting on PO"])
    sheet.write_datetime(2, 7, dt.datetime(2026, 11, 2, 9, 30), date_format)
    sheet.write(2, 8, "kim")
    sheet.write_row(3, 0, ["Paris", "124", "Beta", "n/a"])
    book.close()
    (result,) = ingest(home, legacy_tracker(POLICY))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert query(home, "select invoice_number, office, amount, due_date, stage, updated_at "
                       "from raw.tracker_invoices") == [
        ("inv 123", "NYC", Decimal("1234.56"), dt.date(2026, 10, 31), "Follow Up",
         dt.datetime(2026, 11, 2, 14, 30))]
    assert query(home, "select row_number, field, reason from quarantine.rejected_rows") == [
        (4, "office", "Office 'Paris' is not an office in ledgerloop.yaml (add it to offices:, "
                      "as an office or an alias of one); Amount 'n/a' is not an amount")]


def test_files_are_loaded_oldest_first(home):
    import os

    older = drop(home, "b.csv", export([row()]))
    newer = drop(home, "a.csv", export([row(balance="10.00")]))
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_800_000_000, 1_800_000_000))
    assert [r.file_name for r in ingest(home)] == ["b.csv", "a.csv"]


def test_a_row_with_more_cells_than_the_header_rejects_the_file_naming_the_line(home):
    content = export([row()], footer=False)
    drop(home, "ragged.csv", content + content.splitlines()[1] + ',"EXTRA"\n')
    (result,) = ingest(home)
    assert result.status == "rejected"
    assert "CSV Error on Line: 3" in result.error
    assert "Expected Number of Columns: 15 Found: 16" in result.error
    assert query(home, "select count(*) from raw.salesforce_invoices") == [(0,)]


def test_a_mapped_document_url_loads_and_a_bad_one_quarantines_its_row_with_the_reason(home):
    header = [*HEADER, "Document URL"]
    drop(home, "nyc.csv", export([
        row(number="301", **{"Document URL": "https://files.example.com/INV-301.pdf"}),
        row(number="302", **{"Document URL": ""}),
        row(number="303", **{"Document URL": "javascript:alert(document.cookie)"}),
        row(number="304", **{"Document URL": "/invoices/304.pdf"}),
    ], header=header))
    (result,) = ingest(home)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert query(home, "select invoice_number, document_url from raw.salesforce_invoices "
                       "order by _row_number") == [
        ("301", "https://files.example.com/INV-301.pdf"), ("302", None)]
    rejected = "select row_number, field, reason from quarantine.rejected_rows order by row_number"
    assert query(home, rejected) == [
        (4, "document_url", "Document URL 'javascript:alert(document.cookie)' is not an https:// address"),
        (5, "document_url", "Document URL '/invoices/304.pdf' is not an https:// address"),
    ]


def test_a_policy_that_does_not_map_an_optional_field_still_loads(home):
    import dataclasses

    from orchestration.ingest.tabular import ColumnMapping
    from orchestration.policy.sources import SALESFORCE_FIELDS, SALESFORCE_REQUIRED

    source = salesforce_exports(POLICY)
    columns = {f: c for f, c in source.mapping.columns.items() if f not in ("document_url", "project")}
    mapping = ColumnMapping(columns, SALESFORCE_REQUIRED, SALESFORCE_FIELDS)
    unmapped = dataclasses.replace(source, mapping=mapping)
    drop(home, "nyc.csv", export([row(number="401")]))
    (result,) = ingest(home, unmapped)
    assert (result.rows_read, result.rows_loaded) == (1, 1)
    assert query(home, "select project, document_url from raw.salesforce_invoices") == [(None, None)]
