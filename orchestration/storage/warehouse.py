"""The DuckDB warehouse: short-lived connections and the SQL files the pipeline runs.

Connections are opened per step and closed before dbt runs (DuckDB allows one writing process);
a run keeps the file open between them (`kept_open`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path

import duckdb

from orchestration.storage import kept_open

STORAGE_SQL = Path(__file__).resolve().parent / "sql"
"""The warehouse's own SQL: the `raw`, `quarantine` and `outreach` tables, and the parsers every
ingest shares."""
SCHEMAS = (STORAGE_SQL / "schema.sql", STORAGE_SQL / "outreach.sql")
"""The tables the pipeline writes outside dbt, created with the warehouse: dbt reads them as
sources, so they exist before the first run writes a row."""
INGESTED_FILES = "raw.ingested_files"
"""Every inbound file processed, by content hash: what makes ingest exactly-once per file."""
REJECTED_ROWS = "quarantine.rejected_rows"
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


@cache
def _statements(path: Path) -> tuple[str, ...]:
    text = path.read_text(encoding="utf-8")
    return tuple(s.strip() for s in re.split(r";\s*\n", text) if s.strip() and not _only_comments(s))


def _only_comments(statement: str) -> bool:
    return all(line.strip().startswith("--") or not line.strip() for line in statement.splitlines())


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, params: dict | None = None) -> None:
    """Run each statement of a packaged SQL file, binding the `$name` parameters it uses."""
    params = params or {}
    for statement in _statements(path):
        used = set(_PARAMETER.findall(statement))
        missing = used - params.keys()
        if missing:
            raise KeyError(f"{path.name}: no value for parameter(s) {sorted(missing)}")
        con.execute(statement, {k: params[k] for k in used} if used else None)


def query_sql_file(con: duckdb.DuckDBPyConnection, path: Path, params: dict | None = None):
    """Run a packaged single-statement query and return the cursor."""
    (statement,) = _statements(path)
    params = params or {}
    used = set(_PARAMETER.findall(statement))
    return con.execute(statement, {k: params[k] for k in used} if used else None)


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating its raw, quarantine and outreach tables) and always close it.
    While this process keeps the file open (`kept_open`), a connection of its own to it, which
    writes even when `read_only` asks otherwise (one database per file and process)."""
    kept = kept_open.session(path, partial(_open, path, read_only=False))
    con = kept or _open(path, read_only=read_only)
    try:
        run_sql_file(con, STORAGE_SQL / "parse_macros.sql")
        yield con
    finally:
        con.close()
        if kept is not None:
            kept_open.session_ended(path)


def _open(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            for schema in SCHEMAS:
                run_sql_file(con, schema)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside commits together, or (on any error, an interrupt too) not at all."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()
