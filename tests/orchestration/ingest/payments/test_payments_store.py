"""Loading payment files: demo files equal their truth, files load once, every entry counted."""

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.demo import generate_demo
from orchestration.ingest.payments.store import ingest_payment_folder
from orchestration.ingest.reconcile import reconcile_source
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.orchestration.ingest.payments.helpers import CONFIG, SAMPLES

NOW = dt.datetime(2026, 11, 23, 12, 0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """Demo landing files and the truth they encode (3,000 invoices: under a second)."""
    home = tmp_path_factory.mktemp("demo")
    generate_demo(home, load_policy(REPO_ROOT / "ledgerloop.yaml"), 3000, 7, dt.date(2026, 11, 23),
                  progress=False)
    return home


def drop(home: Path, *files: Path) -> None:
    folder = home / "landing" / "payments"
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copy(file, folder / file.name)


def ingest(home: Path):
    with connect(home / "warehouse.duckdb") as con:
        return ingest_payment_folder(con, CONFIG, home / "landing", home / "archive", NOW,
                                     settle_seconds=0)


def query(home: Path, sql: str):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def truth(demo: Path, name: str) -> list[dict]:
    with (demo / "demo" / "truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_demo_payment_files_load_exactly_the_truth(demo, tmp_path):
    drop(tmp_path, *sorted((demo / "landing" / "payments").iterdir()))
    results = ingest(tmp_path)
    assert {r.status for r in results} == {"loaded"}
    loaded = query(tmp_path, "select bank_transaction_id, tx_index, received_on, amount, currency, "
                             "payer, reference, _source_file from raw.payments")
    expected = truth(demo, "payments.csv")
    assert sorted((b, i, d.isoformat(), a, c, p or "", r or "", f)
                  for b, i, d, a, c, p, r, f in loaded) == sorted(
        (t["bank_transaction_id"], int(t["tx_index"]), t["received_on"], Decimal(t["amount"]),
         t["currency"], t["payer"], " ".join(x for x in (t["structured_reference"], t["reference"])
                                             if x), t["source_file"]) for t in expected)
    others = query(tmp_path, "select bank_transaction_id, amount, currency, _source_file, reason "
                             "from raw.payment_non_receipts")
    assert sorted(others) == sorted(
        (t["bank_transaction_id"], Decimal(t["amount"]), t["currency"], t["source_file"],
         t["reason"]) for t in truth(demo, "non_payments.csv"))
    assert sum(r.rows_read for r in results) == len(expected) + len(others)
    assert query(tmp_path, "select count(distinct payment_id) = count(*) from raw.payments") == [(True,)]


def test_the_same_file_twice_changes_nothing_and_both_leave_landing(demo, tmp_path):
    csv_file = next((demo / "landing" / "payments").glob("*.csv"))
    drop(tmp_path, csv_file)
    ingest(tmp_path)
    before = query(tmp_path, "select * from raw.payments order by _row_number")
    (tmp_path / "landing" / "payments" / "copy").mkdir()
    drop(tmp_path, csv_file)
    (result,) = ingest(tmp_path)
    assert result.status == "duplicate"
    assert query(tmp_path, "select * from raw.payments order by _row_number") == before
    assert not list((tmp_path / "landing" / "payments").glob("*.csv"))
    assert len(list((tmp_path / "archive" / "payments").rglob("*.csv"))) == 1


def test_every_entry_is_counted_and_the_reconcile_query_finds_no_file(tmp_path):
    drop(tmp_path, SAMPLES / "moov_sample1.txt", SAMPLES / "moov_sample2.txt")
    folder = tmp_path / "landing" / "payments"
    (folder / "bad.csv").write_text("Date,Amount,Currency,Payer,Reference,Bank Transaction ID\n"
                                    "2026-11-16,12O.50,USD,A,INV-1,T1\n2026-11-16,5.00,USD,B,INV-2,T2\n")
    (folder / "broken.xml").write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>')
    results = {r.file_name: r for r in ingest(tmp_path)}
    assert [(r.status, r.rows_read, r.receipts, r.non_receipts, r.quarantined) for r in (
        results["moov_sample1.txt"], results["bad.csv"], results["broken.xml"])] == [
        ("loaded", 17, 5, 12, 0), ("loaded", 2, 1, 0, 1), ("rejected", 0, 0, 0, 0)]
    assert query(tmp_path, "select row_number, field, reason from quarantine.rejected_rows "
                           "where source_file = 'bad.csv'") == [
        (2, "amount", "bad.csv row 2: Amount '12O.50' is not an amount")]
    (rejected,) = query(tmp_path, "select row_number, reason from quarantine.rejected_rows "
                                  "where source_file = 'broken.xml'")
    assert rejected[0] is None and rejected[1].startswith("broken.xml: malformed XML at line 1, column 80")
    assert query(tmp_path, "select file_name, rows_read, rows_loaded, rows_quarantined, status "
                           "from raw.ingested_files where file_name = 'moov_sample1.txt'") == [
        ("moov_sample1.txt", 17, 17, 0, "loaded")]
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert reconcile_source(con, "payments").unreconciled == []
        con.execute("delete from raw.payments where _row_number = 8")
        assert [f.file_name for f in reconcile_source(con, "payments").unreconciled] == [
            "moov_sample1.txt"]


def test_real_bai2_variants_load_counted_and_one_that_does_not_reconcile_is_rejected_whole(tmp_path):
    names = ("moov_sample3.txt", "moj_svb_us_example.bai2", "moj_example.bai2",
             "moj_nwb_example.bai2", "moov_sample4_continuations.txt")
    drop(tmp_path, *(SAMPLES / name for name in names))
    results = {r.file_name: (r.status, r.rows_read, r.receipts, r.non_receipts, r.quarantined)
               for r in ingest(tmp_path)}
    assert results == {
        "moov_sample3.txt": ("loaded", 26, 13, 13, 0),
        "moj_svb_us_example.bai2": ("loaded", 2, 2, 0, 0),
        "moj_example.bai2": ("loaded", 1, 1, 0, 0),
        "moj_nwb_example.bai2": ("loaded", 5, 1, 4, 0),
        "moov_sample4_continuations.txt": ("rejected", 0, 0, 0, 0),
    }
    assert query(tmp_path, "select transaction_code, amount, currency from raw.payments "
                           "where _source_file = 'moj_example.bai2'") == [("191", Decimal("0.01"),
                                                                          "GBP")]
    (reason,) = query(tmp_path, "select reason from quarantine.rejected_rows "
                                "where source_file = 'moov_sample4_continuations.txt'")
    assert reason[0] == (
        "moov_sample4_continuations.txt line 22 (49 record): account 107049932 control total is "
        "-1260161341762 but the records add up to 7999960; the file does not reconcile and is "
        "rejected whole")
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert reconcile_source(con, "payments").unreconciled == []
