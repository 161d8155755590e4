"""Does every file of a source reconcile? rows read = loaded + quarantined, and the tables hold
exactly those rows. One query serves every source (sql/reconcile.sql, which also knows the
tables each source loads into), so a new source or file format adds no reconcile code."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.ingest.sql_files import ingest_sql
from orchestration.storage.warehouse import query_sql_file


@dataclass(frozen=True)
class UnreconciledFile:
    """A file whose counts and tables disagree: what it counted and what the tables hold."""

    source: str
    file_name: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_in_quarantine: int
    rows_in_tables: int
    held: tuple[tuple[str, int], ...]
    """Rows each table the source loads into holds of the file."""
    split: tuple[tuple[str, int], ...]
    """How the file split its rows over the tables, for a source that loads into several."""

    def describe(self) -> str:
        held = ", ".join(f"{n} in {table}" for table, n in self.held)
        text = (f"{self.source}/{self.file_name}: read {self.rows_read}, loaded {self.rows_loaded} "
                f"({held}), quarantined {self.rows_quarantined} "
                f"({self.rows_in_quarantine} in quarantine)")
        if self.split:
            text += "; its split: " + ", ".join(f"{table} {n}" for table, n in self.split)
        return text


@dataclass(frozen=True)
class Reconciliation:
    files_checked: int
    unreconciled: list[UnreconciledFile]


HELD_COUNTS = ingest_sql("held_counts.sql")
"""The rows each loaded table holds of each file: plain SQL, run where the tables are kept."""


def reconcile_source(con: duckdb.DuckDBPyConnection, source: str,
                     held: list[tuple[str, str, int]] | None = None) -> Reconciliation:
    """Every file of `source` checked against the tables; those that do not reconcile, oldest
    first. `held`: HELD_COUNTS's rows when computed elsewhere (on a PostgreSQL server), else
    counted on `con`."""
    if held is None:
        held = query_sql_file(con, HELD_COUNTS).fetchall()
    con.execute("create or replace temp table held_counts "
                "(table_name varchar, file_sha256 varchar, n bigint)")
    if held:
        con.executemany("insert into held_counts values (?, ?, ?)", held)
    try:
        rows = query_sql_file(con, ingest_sql("reconcile.sql"), {"source": source}).fetchall()
        (checked,) = con.execute(
            "select count(*) from raw.ingested_files where source = ?", [source]
        ).fetchall()[0]
    finally:
        con.execute("drop table held_counts")
    return Reconciliation(checked, [_unreconciled(row) for row in rows])


def _unreconciled(row: tuple) -> UnreconciledFile:
    *counts, held, split = row
    return UnreconciledFile(
        *counts,
        held=tuple((h["table_name"], h["n"]) for h in held),
        split=tuple((s["table_name"], s["n"]) for s in split or ()),
    )
