"""dbt's unit tests (given rows in, expected rows out) pass on PostgreSQL as on DuckDB.

They pin the paths the demo data leaves empty (decisions, subset matches, dispute resolutions,
plans, list and JSON columns) on both engines. The server's database gets the warehouse's
tables empty (the raw and outreach tables as DuckDB creates them, copied with COPY; every model
and the snapshot built from them), since a unit test reads its inputs' column types from the database."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from orchestration.policy import load_policy
from orchestration.risk.on_postgres import SCORE_COLUMNS, SCORES
from orchestration.settings import REPO_ROOT
from orchestration.storage.postgres import replace_rows
from orchestration.storage.warehouse import connect
from tests.dbt.postgres_target import copy_loaded_tables, dbt_on_postgres
from tests.portal.postgres_server import postgres_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")


def dbt(url: str, target: Path, *args: str) -> subprocess.CompletedProcess:
    return dbt_on_postgres(url, target, {"as_of": "2026-11-24", **POLICY.dbt_vars()}, *args)


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory) -> tuple[str, Path]:
    """A PostgreSQL database holding every table of the warehouse, empty."""
    root = tmp_path_factory.mktemp("unit-on-postgres")
    for server in postgres_server():
        url = server.new_database().replace("postgresql+psycopg://", "postgresql://")
        with connect(root / "warehouse.duckdb") as duck, psycopg.connect(url) as pg:
            copy_loaded_tables(duck, pg)
            replace_rows(pg, *SCORES, SCORE_COLUMNS, [])
        # models and the snapshot on empty inputs (`--empty` would break an aliased source)
        built = dbt(url, root / "target", "build", "--exclude-resource-type", "unit_test",
                    "--exclude-resource-type", "test")
        assert built.returncode == 0, built.stdout[-4000:]
        yield url, root / "target"


def test_every_dbt_unit_test_passes_on_postgresql(empty_warehouse):
    url, target = empty_warehouse
    done = dbt(url, target, "test", "--select", "test_type:unit")
    assert done.returncode == 0, done.stdout[-6000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert len(results) >= 30 and all(result["status"] == "pass" for result in results)
