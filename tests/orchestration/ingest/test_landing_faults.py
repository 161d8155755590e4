"""Faults a real landing folder sees: files rejected whole, odd encodings, blank lines, files
still being written. None may stop the runs after it or silently shorten one."""

import codecs
import threading
import time

import dagster as dg
import pytest

from orchestration.defs.ingest.invoices import salesforce_invoices, tracker_invoices
from orchestration.defs.quality.checks import (
    no_file_rejected_whole,
    salesforce_rows_reconcile,
    tracker_rows_reconcile,
)
from orchestration.defs.resources import LedgerloopResource
from tests.factories import HEADER, export, row
from tests.orchestration.ingest.test_files import drop, ingest, query


def run_ingest(home):
    """The ingest assets and their checks, as `ledgerloop run` starts them."""
    return dg.materialize(
        [salesforce_invoices, tracker_invoices, salesforce_rows_reconcile, tracker_rows_reconcile,
         no_file_rejected_whole],
        resources={"ledgerloop": LedgerloopResource(home=str(home))},
        raise_on_error=False,
    )


def blocking_failures(result) -> list[str]:
    return [
        evaluation.check_name
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]


CP1250_WITH_0X8F = export([row(**{"Account Name": "Źródło Sp. z o.o."})]).encode("cp1250")
DUPLICATED_HEADER = export([row()], header=[*HEADER[:3], "Office", *HEADER[3:]])
BLANK_LINES = "\n\n\n\r\n\n"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("cp1250.csv", CP1250_WITH_0X8F, "neither UTF-8 nor cp1252 (byte 0x8f)"),
        ("dup_header.csv", DUPLICATED_HEADER, "column 'Office' appears twice in the header"),
        ("blank.csv", BLANK_LINES, "the file is empty"),
    ],
)
def test_a_file_rejected_whole_is_recorded_and_never_blocks_the_runs_after_it(home, name, content,
                                                                                reason):
    drop(home, name, content)
    first = run_ingest(home)
    second = run_ingest(home)
    assert blocking_failures(first) == []
    assert blocking_failures(second) == []
    assert first.success and second.success
    (quarantined,) = query(home, "select source_file, reason from quarantine.rejected_rows")
    assert quarantined[0] == name
    assert reason in quarantined[1]
    assert query(home, "select file_name, status, rows_quarantined from raw.ingested_files") == [
        (name, "rejected", 0)]


def test_a_duplicated_column_the_mapping_does_not_use_is_not_a_problem(home):
    drop(home, "extra.csv", export([row(Notes="a")], header=[*HEADER, "Notes", "Notes"]))
    (result,) = ingest(home)
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def test_quarantine_row_numbers_are_the_files_physical_lines(home):
    lines = export([row(number="1"), row(number="2"), row(number="3", amount="12O")],
                   footer=False).splitlines()
    # a blank line after the header, a blank line inside the data, a note spanning two lines
    content = "\n".join([lines[0], "", lines[1], "", lines[2], lines[3]]) + "\n"
    drop(home, "gaps.csv", content)
    (result,) = ingest(home)
    assert (result.rows_read, result.rows_quarantined) == (3, 1)
    assert query(home, "select row_number, field from quarantine.rejected_rows") == [(6, "amount")]
    assert query(home, "select _row_number from raw.salesforce_invoices order by 1") == [(3,), (5,)]


def test_a_quoted_line_break_keeps_the_rows_and_their_line_numbers(home):
    lines = export([row(number="1", Project="Bridge\nPhase 2"), row(number="2", amount="x")],
                   footer=False)
    drop(home, "multiline.csv", lines)
    (result,) = ingest(home)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 2, 1)
    assert query(home, "select project from raw.salesforce_invoices") == [("Bridge\nPhase 2",)]
    assert query(home, "select row_number from quarantine.rejected_rows") == [(4,)]


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "\t"),  # Excel's "Unicode text"
        ("utf-16-be", codecs.BOM_UTF16_BE, ","),
        ("utf-16-le", b"", ","),
        ("utf-16-be", b"", "\t"),
        ("utf-32-le", codecs.BOM_UTF32_LE, ","),
        ("utf-32-be", b"", ","),
    ],
)
def test_unicode_exports_in_utf16_and_utf32_are_read(home, encoding, bom, delimiter):
    text = export([row(**{"Account Name": "Zürich Bau AG"}), row(number="7", amount="bad")],
                  footer=False)
    if delimiter == "\t":
        text = text.replace('","', '"\t"')
    drop(home, "unicode.csv", bom + text.encode(encoding))
    (result,) = ingest(home)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1), result.error
    assert result.encoding.startswith(encoding[:6])
    assert query(home, "select account_name from raw.salesforce_invoices") == [("Zürich Bau AG",)]
    assert query(home, "select row_number, field from quarantine.rejected_rows") == [(3, "amount")]


def test_temporary_names_wait_until_the_writer_renames_them(home):
    for name in ("nyc.csv.part", "nyc.csv.tmp", "~$nyc.csv", ".nyc.csv", "nyc.csv.crdownload"):
        drop(home, name, export([row()]))
    assert ingest(home, settle_seconds=1) == []
    assert sorted(p.name for p in (home / "landing" / "salesforce").iterdir()) == sorted(
        ["nyc.csv.part", "nyc.csv.tmp", "~$nyc.csv", ".nyc.csv", "nyc.csv.crdownload"])


def test_a_file_still_being_written_is_left_for_a_later_run_and_then_loaded_whole(home):
    target = home / "landing" / "salesforce" / "growing.csv"
    rows = [row(number=str(n)) for n in range(1, 121)]
    text = export(rows)
    cut = len(text) // 4
    target.write_text(text[:cut], encoding="utf-8")
    done = threading.Event()

    def writer():
        with target.open("a", encoding="utf-8") as handle:
            for start in range(cut, len(text), 200):
                handle.write(text[start:start + 200])
                handle.flush()
                time.sleep(0.02)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    during = ingest(home, settle_seconds=1)
    thread.join()
    assert done.is_set()
    assert [r.status for r in during] == ["waiting"], "a growing file must not be loaded"
    assert target.exists()
    assert query(home, "select count(*) from raw.ingested_files") == [(0,)]
    (result,) = ingest(home, settle_seconds=1)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 120, 120)
    archived = next((home / "archive").rglob("*growing.csv"))
    import hashlib
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == result.file_sha256


def test_a_file_that_changes_while_it_is_loaded_is_not_recorded_as_loaded(home, monkeypatch):
    from orchestration.ingest import files

    path = drop(home, "nyc.csv", export([row(number="1")]))
    # the settle rule passed; the file changes between the read and the archive
    original = files.load_rows

    def load_then_append(*args, **kwargs):
        problem = original(*args, **kwargs)
        with path.open("a", encoding="utf-8") as handle:
            handle.write('"2","Acme","001A","NY","P","D","d@example.com","C","10/1/2026",'
                         '"10/31/2026","USD","1.00","1.00","Follow Up","11/7/2026 5:14 AM"\n')
        return problem

    monkeypatch.setattr(files, "load_rows", load_then_append)
    (result,) = ingest(home)
    assert result.status == "waiting"
    assert path.exists()
    assert query(home, "select count(*) from raw.ingested_files") == [(0,)]
    assert query(home, "select count(*) from raw.salesforce_invoices") == [(0,)]


def test_a_bank_csv_saved_as_unicode_text_is_read(tmp_path):
    from tests.orchestration.ingest.payments.test_payments_bank_csv import HEADER as BANK_HEADER
    from tests.orchestration.ingest.payments.test_payments_store import ingest as ingest_payments

    folder = tmp_path / "landing" / "payments"
    folder.mkdir(parents=True)
    text = BANK_HEADER + '2026-11-16,"1,234.50",USD,Müller GmbH,INV-00123,TXN1\n'
    (folder / "bank.csv").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (result,) = ingest_payments(tmp_path)
    assert (result.status, result.receipts, result.encoding) == ("loaded", 1, "utf-16")
    assert query(tmp_path, "select payer from raw.payments") == [("Müller GmbH",)]


def test_a_payment_file_still_being_written_is_left_for_a_later_run(tmp_path, monkeypatch):
    from orchestration.ingest.payments import store
    from tests.orchestration.ingest.payments.test_payments_bank_csv import HEADER as BANK_HEADER
    from tests.orchestration.ingest.payments.test_payments_store import ingest as ingest_payments

    folder = tmp_path / "landing" / "payments"
    folder.mkdir(parents=True)
    path = folder / "bank.csv"
    path.write_text(BANK_HEADER + "2026-11-16,10.00,USD,A,INV-1,T1\n", encoding="utf-8")
    original = store.parse_payment_file

    def parse_then_append(file, config):
        parsed = original(file, config)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("2026-11-16,20.00,USD,B,INV-2,T2\n")
        return parsed

    monkeypatch.setattr(store, "parse_payment_file", parse_then_append)
    (result,) = ingest_payments(tmp_path)
    assert result.status == "waiting"
    assert path.exists()
    assert query(tmp_path, "select count(*) from raw.payments") == [(0,)]
    monkeypatch.setattr(store, "parse_payment_file", original)
    (result,) = ingest_payments(tmp_path)
    assert (result.status, result.receipts) == ("loaded", 2)


def test_a_load_that_quarantines_most_rows_fails_a_blocking_check_that_names_the_fix(home):
    drop(home, "denver.csv", export([row(number=str(n), office="Denver") for n in range(1, 10)]
                                    + [row(number="10")]))
    first = run_ingest(home)
    assert not first.success
    assert blocking_failures(first) == ["rows_quarantined_share"]
    (share,) = [c for c in first.get_asset_check_evaluations()
                if c.check_name == "rows_quarantined_share" and c.asset_key == salesforce_invoices.key]
    assert share.metadata["summary"].value == (
        "salesforce: 9 of 10 rows quarantined (90%, the policy allows 20%)\n"
        "  9 x Office 'Denver' is not an office in ledgerloop.yaml (add it to offices:, as an office "
        "or an alias of one)")
    again = run_ingest(home)  # nothing new: judged on its own rows
    assert again.success and blocking_failures(again) == []


def test_the_run_summary_leads_with_what_needs_attention():
    from orchestration.cli.runner import CheckLine, RunOutcome

    outcome = RunOutcome(success=False, seconds=1.0, run_id="abcdef0123", checks=[
        CheckLine("salesforce/invoices:rows_quarantined_share", False, "ERROR",
                  "salesforce: 9 of 10 rows quarantined (90%, the policy allows 20%)\n"
                  "  9 x Office 'Denver' is not an office in ledgerloop.yaml (add it to offices:)"),
        CheckLine("tracker/invoices:rows_quarantined_share", True, "ERROR"),
    ], ingest={"salesforce/invoices": {"files_processed": 2, "files_rejected": 1, "rows_read": 10,
                                       "rejected_files": "bad.csv: the file is empty",
                                       "waiting_files": "growing.csv"}})
    lines = outcome.report().splitlines()
    assert lines[1:5] == [
        "",
        "Needs attention",
        "  salesforce: 9 of 10 rows quarantined (90%, the policy allows 20%)",
        "    9 x Office 'Denver' is not an office in ledgerloop.yaml (add it to offices:)",
    ]
    assert "    refused whole: bad.csv: the file is empty" in lines
    assert "    still being written, left for the next run: growing.csv" in lines


def test_a_warehouse_stuck_on_an_earlier_releases_rejected_file_is_healed(home):
    drop(home, "dup_header.csv", DUPLICATED_HEADER)
    ingest(home)
    from orchestration.storage.warehouse import connect

    with connect(home / "warehouse.duckdb") as con:  # as the earlier release recorded it
        con.execute("update quarantine.rejected_rows set row_number = 1")
    assert run_ingest(home).success
    assert query(home, "select row_number from quarantine.rejected_rows") == [(None,)]
