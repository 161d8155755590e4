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


def reconcile_source(con: duckdb.DuckDBPyConnection, source: str) -> Reconciliation:
    """Every file of `source` checked against the tables; those that do not reconcile, oldest first."""
    rows = query_sql_file(con, ingest_sql("reconcile.sql"), {"source": source}).fetchall()
    (checked,) = con.execute(
        "select count(*) from raw.ingested_files where source = ?", [source]
    ).fetchone()
    return Reconciliation(checked, [_unreconciled(row) for row in rows])


def _unreconciled(row: tuple) -> UnreconciledFile:
    *counts, held, split = row
    return UnreconciledFile(
        *counts,
        held=tuple((h["table_name"], h["n"]) for h in held),
        split=tuple((s["table_name"], s["n"]) for s in split or ()),
    )
