"""dbt with the `postgres` target on a test server: the profile's variables from a URL, and the
tables the pipeline writes outside dbt copied in from a DuckDB warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import psycopg

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.storage.postgres import copy_relation

LOADED_SCHEMAS = ("raw", "outreach", "quarantine")
"""What ingest and the steps after dbt write, and dbt reads as sources."""


def dbt_on_postgres(url: str, target: Path, dbt_vars: dict, *args: str) -> subprocess.CompletedProcess:
    """`dbt <args> --target postgres` on the database `url` names, artifacts under `target`."""
    parts = urlsplit(url)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "LEDGERLOOP_PG_HOST": parts.hostname, "LEDGERLOOP_PG_PORT": str(parts.port),
           "LEDGERLOOP_PG_USER": parts.username,
           "DBT_ENV_SECRET_LEDGERLOOP_PG_PASSWORD": parts.password or "",
           "LEDGERLOOP_PG_DBNAME": parts.path.lstrip("/"),
           # PostgreSQL's JIT compiles the risk features' query for seconds to save milliseconds
           "PGOPTIONS": "-c jit=off"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--target", "postgres",
         "--vars", json.dumps(dbt_vars), "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target)],
        env=env, capture_output=True, text=True, timeout=900)


def copy_loaded_tables(duck: duckdb.DuckDBPyConnection, pg: psycopg.Connection) -> None:
    """Every table of the loaded schemas, replacing the server's copy (created when absent)."""
    for schema, table in duck.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in $schemas and table_type = 'BASE TABLE' order by all",
        {"schemas": list(LOADED_SCHEMAS)}).fetchall():
        copy_relation(duck.table(f"{schema}.{table}"), pg, schema, table, replace=True)
