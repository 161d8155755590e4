"""`dbt build` (models, snapshot, data tests and unit tests) on small fixture files."""

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.sources import legacy_tracker, salesforce_exports
from orchestration.policy import load_policy
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.storage.engine import DUCKDB_MEMORY_LIMIT_ENV
from orchestration.storage.warehouse import connect
from tests.factories import export, row

pytestmark = pytest.mark.integration
POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")


def dbt_build(home: Path, as_of: str, *args: str, command: str = "build",
              environment: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LEDGERLOOP_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_TARGET_PATH": str(home / "dbt-target"), "DBT_LOG_PATH": str(home / "dbt-logs"),
           **(environment or {})}
    dbt_vars = json.dumps({"as_of": as_of, **POLICY.dbt_vars()})
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), command, "--vars", dbt_vars,
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         *args],
        env=env, capture_output=True, text=True, timeout=300,
    )


def load(home: Path, name: str, content: str, folder="salesforce", mtime: int | None = None):
    path = home / "landing" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    if mtime:
        os.utime(path, (mtime, mtime))
    source = salesforce_exports(POLICY) if folder == "salesforce" else legacy_tracker(POLICY)
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, POLICY)
        ingest_folder(con, source, home / "landing", home / "archive", home / "tmp",
                      dt.datetime(2026, 11, 23, 12), settle_seconds=0)


def ledger(home: Path) -> dict[str, dict]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        cursor = con.execute("select * from marts.ar_ledger order by invoice_key")
        names = [d[0] for d in cursor.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two overlapping NYC exports, a London export reusing a number, and the legacy tracker."""
    home = tmp_path_factory.mktemp("dbt")
    load(home, "nyc_week1.csv", export([
        row("INV-00123", balance="$1,234.56", due="10/31/2026",
            **{"Last Modified Date": "11/1/2026 9:00 AM"}),
        row("124", amount="$500.00", balance="$500.00", due="11/23/2026"),
        row("125", amount="$80.00", balance="$80.00", due="8/1/2026", **{"Invoice Date": "7/2/2026"}),
    ]), mtime=1_762_000_000)
    load(home, "nyc_week2.csv", export([
        row("0000123", balance="$234.56", due="10/31/2026", Stage="Reminder Sent",
            **{"Last Modified Date": "11/8/2026 9:00 AM"}),
        row("#125", amount="$80.00", balance="$0.00", due="8/1/2026",
            **{"Invoice Date": "7/2/2026", "Last Modified Date": "11/8/2026 9:00 AM"}),
    ]), mtime=1_762_600_000)
    load(home, "ldn.csv", export([
        row("123", office="London", amount="GBP 900.00", balance="GBP 900.00", Currency="GBP",
            due="9/1/2026", **{"Invoice Date": "8/2/2026"}),
    ]))
    tracker = (
        "Office,Invoice #,Client,Amount,Due Date,Collections Stage,Notes,Last Updated,Updated By\n"
        'NY,inv 124,Acme,500.00,11/23/2026,disputed,"Scope dispute, see email",11/20/2026 10:00 AM,kim\n'
        "NY,9001,Old Client,75.00,1/15/2026,escalated,Legacy debt,3/1/2026 9:00 AM,kim\n"
    )
    load(home, "tracker.csv", tracker, folder="tracker")
    result = dbt_build(home, "2026-11-23")
    assert result.returncode == 0, result.stdout[-4000:]
    return home


def test_dbt_build_runs_models_snapshot_tests_and_unit_tests(built):
    log = (built / "dbt-logs" / "dbt.log").read_text()
    for unit_test in ("test_invoice_key_normalizes_spellings", "test_aging_bucket_edges",
                      "test_dedup_newest_salesforce_record_wins_financials"):
        assert unit_test in log


def test_dbt_s_duckdb_runs_under_the_policy_s_memory_limit(built):
    query = "select current_setting('memory_limit') as memory_limit"
    shown = dbt_build(built, "2026-11-23", "--inline", query, "--output", "json", "--log-format", "json",
                      command="show",
                      environment={DUCKDB_MEMORY_LIMIT_ENV: "300MB"})
    assert shown.returncode == 0, shown.stdout
    assert '\\"memory_limit\\": \\"286.1 MiB\\"' in shown.stdout, shown.stdout[-2000:]


def test_spellings_and_re_exports_collapse_into_one_row_per_office_and_number(built):
    assert sorted(ledger(built)) == ["LDN:123", "NYC:123", "NYC:124", "NYC:125", "NYC:9001"]


def test_newest_export_gives_financials_and_its_spelling(built):
    invoice = ledger(built)["NYC:123"]
    assert invoice["invoice_number"] == "0000123"
    assert (invoice["amount"], invoice["source_balance"], invoice["balance"]) == (
        Decimal("1234.56"), Decimal("234.56"), Decimal("234.56"))
    assert (invoice["days_past_due"], invoice["aging_bucket"], invoice["status"]) == (23, "1-30", "open")
    assert invoice["matched_paid_amount"] == Decimal("0.00")


def test_human_update_wins_the_stage(built):
    invoice = ledger(built)["NYC:124"]
    assert (invoice["stage"], invoice["last_update_source"]) == ("Disputed", "tracker")
    assert invoice["notes"] == "Scope dispute, see email"
    assert (invoice["days_past_due"], invoice["aging_bucket"]) == (0, "current")


def test_paid_invoice_has_no_bucket(built):
    invoice = ledger(built)["NYC:125"]
    assert (invoice["status"], invoice["balance"], invoice["aging_bucket"], invoice["days_past_due"]) == (
        "paid", Decimal("0.00"), None, None)


def test_tracker_only_invoice_is_in_the_ledger(built):
    invoice = ledger(built)["NYC:9001"]
    got = (invoice["financial_source"], invoice["amount"], invoice["source_balance"], invoice["balance"])
    assert got == ("tracker", Decimal("75.00"), None, Decimal("75.00"))
    assert invoice["aging_bucket"] == "90+"


def test_same_number_in_two_offices_is_two_invoices(built):
    london = ledger(built)["LDN:123"]
    got = (london["currency"], london["balance"], london["aging_bucket"])
    assert got == ("GBP", Decimal("900.00"), "61-90")


def test_aging_history_keeps_one_set_of_rows_per_as_of_date(built):
    assert dbt_build(built, "2026-11-24").returncode == 0
    assert dbt_build(built, "2026-11-24").returncode == 0  # re-running a date replaces it
    with connect(built / "warehouse.duckdb", read_only=True) as con:
        rows = con.execute(
            "select as_of_date, aging_bucket, sum(invoice_count), sum(balance) from marts.ar_aging_daily "
            "where office = 'NYC' group by all order by all"
        ).fetchall()
    assert rows == [
        (dt.date(2026, 11, 23), "1-30", 1, Decimal("234.56")),
        (dt.date(2026, 11, 23), "90+", 1, Decimal("75.00")),
        (dt.date(2026, 11, 23), "current", 1, Decimal("500.00")),
        (dt.date(2026, 11, 24), "1-30", 2, Decimal("734.56")),
        (dt.date(2026, 11, 24), "90+", 1, Decimal("75.00")),
    ]


def test_snapshot_records_status_history(built):
    with connect(built / "warehouse.duckdb", read_only=True) as con:
        versions = con.execute(
            "select count(*) from snapshots.snap_ar_ledger__invoices where invoice_key = 'NYC:123'"
        ).fetchone()[0]
    assert versions >= 1
