"""Warehouse fixtures for the cash-application dbt tests: invoices ingested from landing
files the way the pipeline does, payments loaded into `raw.payments`, and `dbt build`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.config import load_policy
from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.sources import invoice_sources
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.warehouse import connect
from tests.dbt.payments.demo_payments import create_raw_payments

POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")
LOADED_AT = dt.datetime(2026, 11, 23, 12)


def ingest_invoices(home: Path) -> None:
    """Every Salesforce export and tracker file under `home/landing` into `raw`."""
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, POLICY)
        create_raw_payments(con)
        for source in invoice_sources(POLICY):
            ingest_folder(con, source, home / "landing", home / "archive", home / "tmp", LOADED_AT,
                          settle_seconds=0)


def dbt(home: Path, as_of: str, *args: str, decisions: Path | None = None) -> subprocess.CompletedProcess:
    """`dbt <args>` on the warehouse under `home`, with the policy's vars as the pipeline passes them."""
    env = {**os.environ, "LEDGERLOOP_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_TARGET_PATH": str(home / "dbt-target"), "DBT_LOG_PATH": str(home / "dbt-logs")}
    dbt_vars = {"as_of": as_of, **POLICY.dbt_vars(),
                "decisions_path": str(decisions or home / "decisions" / "payment_decisions.jsonl")}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--vars", json.dumps(dbt_vars),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True, timeout=600,
    )
