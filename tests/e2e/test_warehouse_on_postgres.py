"""The warehouse on PostgreSQL (`LEDGERLOOP_WAREHOUSE_URL`): ingest, its checks, dbt and the
risk scores, run by Dagster as the refresh runs them, hold the same rows as on the DuckDB file,
over two days of files; a file dropped again is loaded once (exactly once per file holds).
Each run starts at a fixed moment, so the rows' load stamps are the same on both engines."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.demo.generate import generate_demo
from orchestration.settings import REPO_ROOT, Settings
from tests.portal.postgres_server import postgres_server
from tests.warehouse_tables import differing_tables, warehouse_tables

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAYS = (dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, 14, tzinfo=dt.UTC))
SCHEMAS = ("raw", "quarantine", "staging", "intermediate", "marts", "snapshots")
BUSY = ("raw.salesforce_invoices", "raw.payments", "quarantine.rejected_rows", "marts.ar_ledger",
        "marts.payments", "marts.payment_applications", "marts.collector_worklist", "marts.alerts",
        "marts.account_risk")


def land(files: list[Path], folder: Path, day: dt.datetime) -> None:
    """Files written an hour before the run (a spreadsheet's export time is its file's)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = (day - dt.timedelta(hours=1)).timestamp()
    for file in files:
        shutil.copy2(file, folder / file.name)
        os.utime(folder / file.name, (written, written))


def refresh(home: Path, started_at: dt.datetime, url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEDGERLOOP_WAREHOUSE_URL", "LEDGERLOOP_PORTAL_DB_URL",
                        "LEDGERLOOP_DAGSTER_STORAGE_URL", "LEDGERLOOP_CONFIG")}
    env |= {"LEDGERLOOP_HOME": str(home)} | ({"LEDGERLOOP_WAREHOUSE_URL": url} if url else {})
    command = [sys.executable, "-m", "tests.e2e.warehouse_refresh", str(home), started_at.isoformat()]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-5000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def two_days(root: Path, generated: Path, url: str | None) -> Path:
    """The same files on the same two days, into a fresh home at the same path."""
    home = root / "home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(generated / "contacts", home / "contacts")
    exports = sorted((generated / "landing" / "salesforce").glob("*.csv"))
    land(exports[: len(exports) // 2], home / "landing" / "salesforce", DAYS[0])
    land(list((generated / "landing" / "tracker").iterdir()), home / "landing" / "tracker", DAYS[0])
    assert refresh(home, DAYS[0], url)["success"]
    land(exports[len(exports) // 2:], home / "landing" / "salesforce", DAYS[1])
    land(list((generated / "landing" / "payments").iterdir()), home / "landing" / "payments", DAYS[1])
    second = refresh(home, DAYS[1], url)
    assert second["success"] and all(second["checks"].values()), second
    return home


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    root = tmp_path_factory.mktemp("warehouse")
    generated = root / "generated"
    generate_demo(generated, Settings(home=root, config_path=REPO_ROOT / "ledgerloop.yaml").policy(),
                  400, 7, DAYS[0].date(), progress=False)
    home = two_days(root, generated, None)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as duck:
        on_duckdb = warehouse_tables(duck, SCHEMAS)
    for server in postgres_server():
        url = server.new_database().replace("postgresql+psycopg://", "postgresql://")
        home = two_days(root, generated, url)
        yield home, url, on_duckdb


def test_ingest_and_dbt_on_postgresql_hold_the_rows_they_hold_on_duckdb(engines):
    home, url, on_duckdb = engines
    assert not (home / "warehouse.duckdb").exists(), "a step wrote the DuckDB file on a PostgreSQL home"
    with psycopg.connect(url) as pg:
        on_postgres = warehouse_tables(pg, SCHEMAS)
    assert sorted(on_postgres) == sorted(on_duckdb)
    differing = differing_tables(on_duckdb, on_postgres)
    assert not differing, "\n".join(f"{name}: {how}" for name, how in differing.items())
    for busy in BUSY:
        assert on_duckdb[busy], f"{busy} is empty on both engines: nothing was compared"


def test_files_dropped_again_are_recorded_once_on_postgresql(engines):
    home, url, _ = engines
    with psycopg.connect(url) as pg:
        before = pg.execute("select count(*), (select count(*) from raw.salesforce_invoices) "
                            "from raw.ingested_files").fetchone()
    generated = home.parent / "generated"
    again = DAYS[1] + dt.timedelta(hours=2)
    land(sorted((generated / "landing" / "salesforce").glob("*.csv")), home / "landing" / "salesforce", again)
    outcome = refresh(home, again, url)
    assert outcome["success"], outcome
    with psycopg.connect(url) as pg:
        after = pg.execute("select count(*), (select count(*) from raw.salesforce_invoices) "
                           "from raw.ingested_files").fetchone()
    assert after == before
    assert not list((home / "landing" / "salesforce").glob("*.csv")), "duplicates stay in landing"
