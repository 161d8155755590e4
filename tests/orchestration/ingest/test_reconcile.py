"""One reconcile query for every source: a file reconciles when rows read = loaded + quarantined
and the tables it loads into hold exactly those rows; a file that does not is named, whichever
source it came from."""

from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.ingest.history import history_files_reconcile, history_invoices
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.reconcile import reconcile_source
from orchestration.ingest.sources import legacy_tracker
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.factories import export, row
from tests.orchestration.ingest import test_files, test_history
from tests.orchestration.ingest.payments import test_payments_store
from tests.orchestration.ingest.payments.helpers import SAMPLES

TRACKER = (
    "Office,Invoice #,Client,Amount,Due Date,Collections Stage,Notes,Last Updated,Updated By\n"
    "NY,inv 124,Acme,500.00,11/23/2026,disputed,Scope dispute,11/20/2026 10:00 AM,kim\n"
    "NY,inv 125,Acme,5OO.00,11/23/2026,disputed,,11/20/2026 10:00 AM,kim\n"
)
HISTORY = test_history.IBM_HEADER + (
    "391,0379-NEVHP,4/6/2013,611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
    "391,,4/6/2013,611366,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
)
BAD_PAYMENTS = ("Date,Amount,Currency,Payer,Reference,Bank Transaction ID\n"
                "2026-11-16,12O.50,USD,A,INV-1,T1\n2026-11-16,5.00,USD,B,INV-2,T2\n")


@pytest.fixture
def loaded(home) -> Path:
    """One file of every source, each with a good row and a quarantined one."""
    test_files.drop(home, "nyc.csv", export([row(), row(number="125", amount="12O.50")]))
    test_files.ingest(home)
    test_files.drop(home, "tracker.csv", TRACKER, folder="tracker")
    test_files.ingest(home, legacy_tracker(test_files.POLICY))
    test_history.drop(home, "ibm.csv", HISTORY)
    test_history.ingest(home)
    test_payments_store.drop(home, SAMPLES / "moov_sample1.txt")
    (home / "landing" / "payments" / "bad.csv").write_text(BAD_PAYMENTS)
    test_payments_store.ingest(home)
    return home


def unreconciled(home: Path, source: str, corruption: str | None = None) -> list[str]:
    with connect(home / "warehouse.duckdb") as con:
        if corruption:
            con.execute(corruption)
        return [f.file_name for f in reconcile_source(con, source).unreconciled]


@pytest.mark.parametrize(("source", "files"), [
    ("salesforce", 1), ("tracker", 1), ("history", 1), ("payments", 2),
])
def test_every_file_of_every_source_reconciles_after_a_load(loaded, source, files):
    with connect(loaded / "warehouse.duckdb", read_only=True) as con:
        found = reconcile_source(con, source)
    assert (found.files_checked, found.unreconciled) == (files, [])


@pytest.mark.parametrize(("source", "corruption", "file"), [
    ("salesforce", "delete from raw.salesforce_invoices", "nyc.csv"),
    ("salesforce", "insert into raw.salesforce_invoices select * from raw.salesforce_invoices", "nyc.csv"),
    ("tracker", "delete from quarantine.rejected_rows where source = 'tracker'", "tracker.csv"),
    ("history", "insert into raw.history_invoices select * from raw.history_invoices", "ibm.csv"),
    ("payments", "delete from raw.payment_non_receipts where _row_number = "
                 "(select min(_row_number) from raw.payment_non_receipts)", "moov_sample1.txt"),
    ("payments", "delete from quarantine.rejected_rows where source = 'payments'", "bad.csv"),
    ("payments", "update raw.ingested_files set rows_loaded = rows_loaded + 1 "
                 "where file_name = 'bad.csv'", "bad.csv"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_a_row_dropped_or_loaded_twice_names_its_file(loaded, source, corruption, file):
    assert unreconciled(loaded, source, corruption) == [file]


def test_a_payment_file_must_hold_in_each_table_what_its_split_says(loaded):
    # The same number of rows loaded, but one receipt counted as a non-receipt: the total
    # agrees, the split does not.
    moved = ("update raw.payment_files set receipts = receipts - 1, non_receipts = non_receipts + 1 "
             "where file_name = 'moov_sample1.txt'")
    assert unreconciled(loaded, "payments", moved) == ["moov_sample1.txt"]
    with connect(loaded / "warehouse.duckdb") as con:
        con.execute("delete from raw.payment_files where file_name = 'bad.csv'")
        found = {f.file_name: f for f in reconcile_source(con, "payments").unreconciled}
    assert found["moov_sample1.txt"].describe() == (
        "payments/moov_sample1.txt: read 17, loaded 17 (12 in raw.payment_non_receipts, 5 in "
        "raw.payments), quarantined 0 (0 in quarantine); its split: quarantine.rejected_rows 0, "
        "raw.payment_non_receipts 13, raw.payments 4")
    assert found["bad.csv"].split == ()


def test_the_reconcile_check_fails_naming_the_file_that_does_not_add_up(tmp_path):
    test_history.drop(tmp_path, "ibm.csv", HISTORY + "".join(
        f"391,0379-NEVHP,4/6/2013,61137{n},1/2/2013,2/1/2013,10.00,No,1/15/2013,Paper,13,0\n"
        for n in range(4)))
    resource = LedgerloopResource(home=str(tmp_path), config_path=str(REPO_ROOT / "ledgerloop.yaml"))
    assets = [history_invoices, history_files_reconcile]
    assert dg.materialize(assets, resources={"ledgerloop": resource}).success
    with connect(tmp_path / "warehouse.duckdb") as con:
        con.execute("delete from raw.history_invoices")
    result = dg.materialize(assets, resources={"ledgerloop": resource}, raise_on_error=False)
    (check,) = [c for c in result.get_asset_check_evaluations()
                if c.check_name == "history_files_reconcile"]
    assert not check.passed
    assert check.metadata["files_checked"].value == 1
    assert check.metadata["unreconciled"].value == (
        "- history/ibm.csv: read 6, loaded 5 (0 in raw.history_invoices), quarantined 1 "
        "(1 in quarantine)")


def test_no_source_keeps_a_reconcile_query_of_its_own():
    sql = REPO_ROOT / "orchestration" / "ingest" / "sql"
    assert sorted(p.name for p in sql.glob("*reconcile*.sql")) == ["reconcile.sql"]
