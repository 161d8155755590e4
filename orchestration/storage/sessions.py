"""How a step opens the warehouse, on either engine: DuckDB works, the warehouse keeps.

Every step keeps its DuckDB SQL (one code base for parsing, checks and outputs). On the DuckDB
file the step works on the file itself. On PostgreSQL it works on an in-memory DuckDB:
- the tables it `reads` are pulled from the server first (COPY to CSV, read in parallel);
- rows it adds to the `appends` tables, and the whole of the `replaces` tables, are pushed back
  with COPY in one server transaction each time the step calls `keep()` (after each file it
  commits, before the file is archived), and once more when the step ends without error.

A step that writes holds the refresh's advisory lock from its pulls to its last push, so two
refreshes never interleave their writes and exactly-once per file holds (the files a step finds
recorded are the files the server holds). Readers take no lock: PostgreSQL's snapshots mean a
reader never waits for a run and never sees half of one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.storage.engine import DuckDBFile, Engine, PostgresServer
from orchestration.storage.warehouse import SCHEMAS, STORAGE_SQL, connect, run_sql_file

REFRESH_LOCK_KEY = 0x1ED6E7
"""pg_advisory_lock's key for 'a step is writing the warehouse' (any fixed bigint will do)."""


@dataclass
class Session:
    """A step's DuckDB connection, and how it makes what it committed durable."""

    con: duckdb.DuckDBPyConnection
    _keep: object = field(default=None, repr=False)

    def keep(self) -> None:
        """Make every committed row durable in the warehouse (on the DuckDB file, it already is)."""
        if self._keep is not None:
            self._keep()


@contextmanager
def open_session(
    engine: Engine, *, reads: Sequence[str] = (), appends: Sequence[str] = (),
    replaces: Sequence[str] = (), read_only: bool = False,
) -> Iterator[Session]:
    """The warehouse for one step: tables as `schema.table`; `read_only` for a step that writes
    nothing (on the DuckDB file, a read-only connection)."""
    if isinstance(engine, DuckDBFile):
        with connect(engine.path, read_only=read_only) as con:
            yield Session(con)
        return
    with _postgres_session(engine, reads, appends, replaces) as session:
        yield session


@contextmanager
def _postgres_session(server: PostgresServer, reads, appends, replaces) -> Iterator[Session]:
    import psycopg

    from orchestration.storage import postgres

    writes = bool(appends or replaces)
    with (psycopg.connect(**server.conninfo, autocommit=True) as pg,
          tempfile.TemporaryDirectory(prefix="ledgerloop-pull-") as scratch):
        if writes:
            pg.execute("select pg_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        con = duckdb.connect()
        try:
            for schema in SCHEMAS:
                run_sql_file(con, schema)
            run_sql_file(con, STORAGE_SQL / "parse_macros.sql")
            for name in dict.fromkeys([*reads, *appends]):
                postgres.pull_table(pg, con, name, Path(scratch))
            pushed = {name: _row_count(con, name) for name in appends}

            def keep() -> None:
                with pg.transaction():
                    for name in appends:
                        new = con.sql(f"select * from {name} where rowid >= {pushed[name]}")
                        postgres.copy_relation(new, pg, *name.split("."))
                    for name in replaces:
                        postgres.copy_relation(con.table(name), pg, *name.split("."), replace=True)
                for name in appends:
                    pushed[name] = _row_count(con, name)

            session = Session(con, keep)
            yield session
            session.keep()
        finally:
            con.close()
            if writes:
                pg.execute("select pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])


def _row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """One past the highest rowid: rows appended from here on are the ones not yet pushed."""
    return con.execute(f"select coalesce(max(rowid) + 1, 0) from {name}").fetchall()[0][0]
