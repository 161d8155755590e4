"""The warehouse on a PostgreSQL server: tables copied in with COPY, never row by row.

DuckDB stays the engine that parses and checks files (one code base for every format); what it
produced is copied into PostgreSQL inside the caller's transaction, with column types mapped from
DuckDB's. Needs `psycopg` (`pip install ledgerloop[postgres]`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

_SCALARS = {
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "HUGEINT": "numeric(38, 0)",
    "INTEGER": "integer",
    "JSON": "json",  # kept as written, as DuckDB keeps it (jsonb would reorder keys)
    "SMALLINT": "smallint",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "UBIGINT": "numeric(20, 0)",
    "VARCHAR": "text",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
COPY_BATCH_ROWS = 50_000
"""Rows handed from DuckDB to Python at a time (DuckDB holds the whole result; Python one batch)."""


def postgres_type(duckdb_type: str) -> str:
    """PostgreSQL's name for a DuckDB column type (lists become arrays); ValueError for a type
    the warehouse never stores (a struct, a map), so a new one is seen, not mangled."""
    if duckdb_type.endswith("[]"):
        return postgres_type(duckdb_type[:-2]) + "[]"
    if match := _DECIMAL.fullmatch(duckdb_type):
        return f"numeric({match[1]}, {match[2]})"
    try:
        return _SCALARS[duckdb_type]
    except KeyError:
        raise ValueError(f"no PostgreSQL column type for DuckDB's {duckdb_type}") from None


def create_table(pg: psycopg.Connection, schema: str, table: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create `schema.table` with the DuckDB `columns`' types, unless it exists."""
    pg.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(kind))) for name, kind in columns
    )
    pg.execute(
        sql.SQL("create table if not exists {}.{} ({})").format(
            sql.Identifier(schema), sql.Identifier(table), definitions
        )
    )


def copy_rows(
    pg: psycopg.Connection, schema: str, table: str, names: Sequence[str], rows: Iterable[tuple]
) -> int:
    """COPY the rows into `schema.table`'s `names` columns; returns how many."""
    statement = sql.SQL("copy {}.{} ({}) from stdin").format(
        sql.Identifier(schema), sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    copied = 0
    with pg.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            copied += 1
    return copied


def copy_relation(
    relation: duckdb.DuckDBPyRelation, pg: psycopg.Connection, schema: str, table: str, *,
    replace: bool = False,
) -> int:
    """Copy every row of a DuckDB relation (`con.table(...)`, `con.sql(...)`) into `schema.table`
    on PostgreSQL, created with the relation's column types when absent (`replace`: its rows
    replaced), inside the caller's transaction; returns how many rows. DuckDB writes the rows as
    CSV that COPY reads (4-5x faster than handing rows to Python one at a time); a relation with
    list columns, whose CSV form is not PostgreSQL's array form, goes row by row."""
    columns = [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]
    names = [name for name, _ in columns]
    create_table(pg, schema, table, columns)
    if replace:
        pg.execute(sql.SQL("delete from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
    if any(kind.endswith("[]") for _, kind in columns):
        return copy_rows(pg, schema, table, names, relation.iter_rows(batch_size=COPY_BATCH_ROWS))
    return _copy_csv(relation, pg, schema, table, names)


def _copy_csv(relation: duckdb.DuckDBPyRelation, pg: psycopg.Connection, schema: str, table: str,
              names: Sequence[str]) -> int:
    """Every value quoted but NULL, so NULL and '' stay apart and a lone `\\.` is data, not COPY's
    end marker; timestamps carry their offset."""
    statement = sql.SQL("copy {}.{} ({}) from stdin (format csv)").format(
        sql.Identifier(schema), sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)))
    with tempfile.TemporaryDirectory(prefix="ledgerloop-push-") as scratch:
        path = Path(scratch) / "rows.csv"
        relation.write_csv(str(path), header=False, quoting="all")
        with pg.cursor() as cursor:
            with cursor.copy(statement) as copy, path.open("rb") as rows:
                while block := rows.read(1 << 20):
                    copy.write(block)
            return cursor.rowcount


def push_changes(
    con: duckdb.DuckDBPyConnection, pg: psycopg.Connection, name: str, pushed: str, key: Sequence[str],
) -> bool:
    """Make the server's `name` (`schema.table`) hold what the local table of that name holds,
    given `pushed`, a local copy of what the server holds: with a `key` (its primary key), only
    the rows that differ travel, deleted by key and copied in, so a step that commits often
    (a withdrawn draft at a time) does not send whole tables each time; without one, the table is
    replaced whole when anything differs. Inside the caller's transaction; True if anything did."""
    con.execute(f"create or replace temp table ledgerloop_gone as from {pushed} except all from {name}")
    con.execute(f"create or replace temp table ledgerloop_new as from {name} except all from {pushed}")
    gone, new = con.execute("select (select count(*) from ledgerloop_gone), "
                            "(select count(*) from ledgerloop_new)").fetchall()[0]
    if not (gone or new):
        return False
    schema, table = name.split(".")
    if not key:
        copy_relation(con.table(name), pg, schema, table, replace=True)
        return True
    if gone:
        keys = con.sql(f"select distinct {', '.join(key)} from ledgerloop_gone")
        columns = [(column, str(kind)) for column, kind in zip(keys.columns, keys.types, strict=True)]
        pg.execute(sql.SQL("create temp table ledgerloop_gone ({}) on commit drop").format(sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(postgres_type(kind)))
            for column, kind in columns)))
        copy_rows(pg, "pg_temp", "ledgerloop_gone", key, keys.iter_rows(batch_size=COPY_BATCH_ROWS))
        matched = sql.SQL(" and ").join(
            sql.SQL("kept.{0} = gone.{0}").format(sql.Identifier(column)) for column in key)
        pg.execute(sql.SQL("delete from {}.{} as kept using ledgerloop_gone as gone where {}").format(
            sql.Identifier(schema), sql.Identifier(table), matched))
        pg.execute("drop table ledgerloop_gone")
    if new:
        copy_relation(con.table("ledgerloop_new"), pg, schema, table)
    return True


def replace_rows(
    pg: psycopg.Connection, schema: str, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple]
) -> int:
    """Make `schema.table` (DuckDB-typed `columns`) hold exactly `rows`, in the caller's
    transaction: readers see the old rows or the new, never none."""
    create_table(pg, schema, table, columns)
    pg.execute(sql.SQL("delete from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
    return copy_rows(pg, schema, table, [name for name, _ in columns], rows)


_DUCKDB_TYPES = {
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "double precision": "DOUBLE",
    "integer": "INTEGER",
    "json": "JSON",
    "jsonb": "JSON",
    "real": "FLOAT",
    "smallint": "SMALLINT",
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
}
_NUMERIC = re.compile(r"numeric\((\d+),(\d+)\)")


def duckdb_type(postgres_type_name: str) -> str:
    """DuckDB's name for a PostgreSQL column type as `format_type` spells it (arrays become lists)."""
    if postgres_type_name.endswith("[]"):
        return duckdb_type(postgres_type_name[:-2]) + "[]"
    if match := _NUMERIC.fullmatch(postgres_type_name):
        return f"DECIMAL({match[1]}, {match[2]})"
    if postgres_type_name == "numeric":  # PostgreSQL's sum of integers, or of decimals
        raise ValueError("a numeric column without precision and scale reads back as neither an "
                         "integer nor an amount: cast it in the model (bigint, or decimal(p, s))")
    try:
        return _DUCKDB_TYPES[postgres_type_name]
    except KeyError:
        raise ValueError(f"no DuckDB column type for PostgreSQL's {postgres_type_name}") from None


def server_columns(pg: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """`schema.table`'s columns on the server, in order, with their types as `format_type` spells
    them; empty when the table does not exist."""
    return pg.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum", [schema, table]).fetchall()


def pull_table(pg: psycopg.Connection, con: duckdb.DuckDBPyConnection, name: str, scratch: Path,
               where: str | None = None) -> int:
    """Copy the server's `schema.table` (only the rows `where`, a condition in SQL both engines
    run, picks) into the DuckDB table of that name (created with mapped types unless it exists; a
    table the server does not have yet stays as it is), through a CSV file DuckDB reads in
    parallel; returns the rows the DuckDB table then holds."""
    schema, table = name.split(".")
    columns = server_columns(pg, schema, table)
    if not columns:
        return 0
    local = dict(con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ?", [schema, table]).fetchall())
    if not local:
        con.execute(f'create schema if not exists "{schema}"')
        local = {column: duckdb_type(kind) for column, kind in columns}
        con.execute(f'create table "{schema}"."{table}" ('
                    + ", ".join(f'"{column}" {kind}' for column, kind in local.items()) + ")")
    outgoing = sql.SQL(", ").join(
        sql.SQL("array_to_json({})::text" if kind.endswith("[]") else "{}::text").format(
            sql.Identifier(column)) for column, kind in columns)
    path = scratch / f"{schema}.{table}.csv"
    with pg.cursor() as cursor, open(path, "wb") as out:
        cursor.execute("set time zone 'UTC'")
        picked = sql.SQL(" where {}").format(sql.SQL(where)) if where else sql.SQL("")
        with cursor.copy(sql.SQL("copy (select {} from {}.{}{}) to stdout (format csv)").format(
                outgoing, sql.Identifier(schema), sql.Identifier(table), picked)) as copy:
            for block in copy:
                out.write(block)
    names = [column for column, _ in columns]
    incoming = ", ".join(
        f'cast("{c}"::json as {local[c]})' if local[c].endswith("[]") else f'cast("{c}" as {local[c]})'
        for c in names)
    text_columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in names) + "}"
    con.execute(
        f'insert into "{schema}"."{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in names)}) '
        f"select {incoming} from read_csv(?, header = false, columns = {text_columns}, "
        "quote = '\"', escape = '\"', allow_quoted_nulls = false, auto_detect = false)",
        [str(path)])
    path.unlink()
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
