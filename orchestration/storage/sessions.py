"""How a step opens the warehouse, on either engine: DuckDB works, the warehouse keeps.

Every step keeps its DuckDB SQL (one code base for parsing, checks and outputs). On the DuckDB
file the step works on the file itself. On PostgreSQL it works on an in-memory DuckDB:
- the tables it `reads` (all rows, or `Rows` some) and the tables it `replaces` are pulled from
  the server first, in one snapshot (COPY to CSV, read in parallel); a table it only `appends`
  to starts empty, so whatever it holds at a push is new;
- rows it adds to the `appends` tables, and what changed in the `replaces` tables (rows deleted
  by primary key and copied in; a table without one replaced whole), are pushed back with COPY in
  one server transaction each time the step commits (after each file, before the file is
  archived), and once more when the step ends; a step that fails pushes only the rows it
  appended outside a transaction, as the DuckDB file would have kept them.

A step that writes holds the write lock (an advisory lock) from its pulls to its last push, and
so do dbt and the risk scores for as long as they run (`writing_alone`): two runs' writing steps
never interleave, and exactly-once per file holds (the files a step finds recorded are the files
the server holds). Readers take no lock and never wait; each reads its tables as of one moment.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.storage import kept_open
from orchestration.storage.engine import DuckDBFile, Engine, PostgresServer
from orchestration.storage.warehouse import SCHEMAS, STORAGE_SQL, connect, query_sql_file, run_sql_file

WRITE_LOCK_KEY = 0x1ED6E7
"""pg_advisory_lock's key for 'a step is writing the warehouse' (any fixed bigint will do)."""


class _KeptConnection:
    """A PostgreSQL step's in-memory DuckDB: each commit returns once the server holds it, so a
    step that commits a file and then archives it never archives rows the server lacks."""

    def __init__(self, con: duckdb.DuckDBPyConnection, keep: Callable[[], None]) -> None:
        self._con = con
        self._keep = keep

    def commit(self) -> None:
        self._con.commit()
        self._keep()

    def rollback(self) -> None:
        """Roll back the open transaction; none open (a commit whose push failed: its rows stay
        for the session's last push) is not an error that would hide the push's."""
        _roll_back_open_transaction(self._con)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


@dataclass(frozen=True)
class Rows:
    """Only some rows of a table to read: `where`, a condition in SQL both engines run (on
    PostgreSQL the server applies it, so only those rows travel)."""

    table: str
    where: str


@contextmanager
def open_session(
    engine: Engine, *, reads: Sequence[str | Rows] = (), appends: Sequence[str] = (),
    replaces: Sequence[str] = (), read_only: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for one step, as a DuckDB connection; tables named `schema.table`;
    `read_only` for a step that writes nothing (on the DuckDB file, a read-only connection)."""
    if isinstance(engine, DuckDBFile):
        with connect(engine.path, read_only=read_only) as con:
            yield con
        return
    if partial := [r.table for r in reads if isinstance(r, Rows) and r.table in replaces]:
        raise ValueError(f"{partial}: a table replaced whole must be read whole")
    with _postgres_session(engine, reads, appends, replaces) as con:
        yield con


@contextmanager
def _postgres_session(server: PostgresServer, reads, appends, replaces) -> Iterator[_KeptConnection]:
    import psycopg

    from orchestration.storage import postgres

    writes = bool(appends or replaces)
    with (psycopg.connect(**server.conninfo, autocommit=True) as pg,
          tempfile.TemporaryDirectory(prefix="ledgerloop-pull-") as scratch):
        if writes:
            pg.execute("select pg_advisory_lock(%s)", [WRITE_LOCK_KEY])
        con = duckdb.connect()
        try:
            for schema in SCHEMAS:
                run_sql_file(con, schema)
            run_sql_file(con, STORAGE_SQL / "parse_macros.sql")
            if writes:
                _create_pipeline_tables(con, pg)
            named = {read.table if isinstance(read, Rows) else read for read in reads}
            _drop_unnamed_tables(con, named | set(appends) | set(replaces))
            with pg.transaction():  # every pull sees the server as of one moment
                pg.execute("set transaction isolation level repeatable read")
                for read in [*reads, *(table for table in replaces if table not in named)]:
                    name, where = (read.table, read.where) if isinstance(read, Rows) else (read, None)
                    postgres.pull_table(pg, con, name, Path(scratch), where)
            pushed = {name: _next_rowid(con, name) for name in appends}
            as_kept = {name: _remember_as_kept(con, name, number) for number, name in enumerate(replaces)}
            kept_content = {name: _content(con, name) for name in replaces}
            keys = {name: _primary_key(con, name) for name in replaces}

            def keep(replaced: bool = True) -> None:
                """Push what was committed since the last push, in one server transaction (read on
                a cursor of its own: the step may have a result of its own pending)."""
                with con.cursor() as committed:
                    with pg.transaction():
                        for name in appends:
                            new = committed.sql(f"select * from {name} where rowid >= {pushed[name]}")
                            postgres.copy_relation(new, pg, *name.split("."))
                        content = {name: _content(committed, name) for name in (replaces if replaced else ())}
                        changed = [name for name, now in content.items() if now != kept_content[name]
                                   and postgres.push_changes(committed, pg, name, as_kept[name], keys[name])]
                    for name in appends:
                        pushed[name] = _next_rowid(committed, name)
                    for name in changed:  # the server holds them now
                        committed.execute(f"create or replace table {as_kept[name]} as from {name}")
                        kept_content[name] = content[name]

            try:
                yield _KeptConnection(con, keep)
            except BaseException:
                _roll_back_open_transaction(con)
                # rows appended outside a transaction stay, as in the DuckDB file; a table
                # replaced whole keeps what its last commit pushed, never a half-made one
                keep(replaced=False)
                raise
            keep()  # what the step wrote outside a transaction
        finally:
            con.close()
            if writes:
                pg.execute("select pg_advisory_unlock(%s)", [WRITE_LOCK_KEY])


@contextmanager
def writing_alone(engine: Engine, say: Callable[[str], None], name: str) -> Iterator[None]:
    """For a step that writes the warehouse outside a session (dbt, the risk scores): on
    PostgreSQL, hold the write lock every writing session takes, waiting (and saying for whom)
    while another run's step holds it, so two runs' writes never interleave, whichever machine
    or command started them. The server drops the lock with the connection, so a killed step
    never keeps it. On the DuckDB file, its single writer already keeps them apart: this process
    lets the file go for as long (`kept_open.released`), so the step's process can open it."""
    if isinstance(engine, DuckDBFile):
        with kept_open.released(engine.path):
            yield
        return
    import psycopg

    with psycopg.connect(**engine.conninfo, autocommit=True, application_name=name[:63]) as pg:
        if not pg.execute("select pg_try_advisory_lock(%s)", [WRITE_LOCK_KEY]).fetchone()[0]:
            holder = pg.execute(
                "select coalesce(nullif(a.application_name, ''), 'a session') || ' (server pid ' || a.pid "
                "|| ', from ' || coalesce(host(a.client_addr), 'this host') || ')' from pg_locks l "
                "join pg_stat_activity a using (pid) where l.locktype = 'advisory' and l.granted "
                "and l.objid = %s limit 1", [WRITE_LOCK_KEY]).fetchone()
            say(f"waiting for {holder[0] if holder else 'another run'} to finish writing the warehouse")
            pg.execute("select pg_advisory_lock(%s)", [WRITE_LOCK_KEY])
        try:
            yield
        finally:
            pg.execute("select pg_advisory_unlock(%s)", [WRITE_LOCK_KEY])


def query_where_kept(engine: Engine, con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple]:
    """The rows of a packaged read-only query written in SQL both engines run, run where the
    tables are kept: on the DuckDB file, on the step's connection; on PostgreSQL, on the server,
    so a count over a large table travels as its result, not as the table."""
    if isinstance(engine, DuckDBFile):
        return query_sql_file(con, path).fetchall()
    import psycopg

    with psycopg.connect(**engine.conninfo) as pg:
        return pg.execute(path.read_text(encoding="utf-8")).fetchall()


def _create_pipeline_tables(con: duckdb.DuckDBPyConnection, pg) -> None:
    """Every table the pipeline writes outside dbt, on the server too (as connecting to the
    DuckDB file creates them): dbt reads them as sources before a first row arrives."""
    from orchestration.storage.postgres import create_table

    tables = con.execute(
        "select table_schema, table_name, list(column_name order by ordinal_position), "
        "list(data_type order by ordinal_position) from information_schema.columns "
        "where table_catalog = current_database() group by all").fetchall()
    with pg.transaction():
        for schema, table, names, kinds in tables:
            create_table(pg, schema, table, list(zip(names, kinds, strict=True)))


def _drop_unnamed_tables(con: duckdb.DuckDBPyConnection, named: set[str]) -> None:
    """A table the step did not name is not there at all, so a query that reads it fails naming
    it, instead of reading it empty."""
    for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
    ).fetchall():
        if f"{schema}.{table}" not in named:
            con.execute(f'drop table "{schema}"."{table}"')


def _roll_back_open_transaction(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.TransactionException):  # none was open
        con.rollback()


KEPT_COPIES = "ledgerloop_kept"
"""Schema of the in-memory DuckDB holding each replaced table as the server holds it."""


def _remember_as_kept(con: duckdb.DuckDBPyConnection, name: str, number: int) -> str:
    """A copy of a replaced table as pulled (what the server holds): a push sends what differs."""
    con.execute(f"create schema if not exists {KEPT_COPIES}")
    copy = f"{KEPT_COPIES}.replaced_{number}"
    con.execute(f"create table {copy} as from {name}")
    return copy


def _content(con: duckdb.DuckDBPyConnection, name: str) -> tuple:
    """A table's rows in two numbers (how many, and the sum of their hashes): a commit that
    left a table alone is seen at this cost, and only a changed one is compared row by row. A
    change that kept both would need a 64-bit hash collision."""
    return tuple(con.execute(f"select count(*), sum(hash(t)) from {name} as t").fetchall()[0])


def _primary_key(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    schema, table = name.split(".")
    found = con.execute(
        "select constraint_column_names from duckdb_constraints() where schema_name = ? "
        "and table_name = ? and constraint_type = 'PRIMARY KEY'", [schema, table]).fetchall()
    return list(found[0][0]) if found else []


def _next_rowid(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """One past the highest rowid: rows appended from here on are the ones not yet pushed."""
    return con.execute(f"select coalesce(max(rowid) + 1, 0) from {name}").fetchall()[0][0]
