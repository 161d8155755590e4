"""The warehouse on a PostgreSQL server: tables copied in with COPY, never row by row.

DuckDB stays the engine that parses and checks files (one code base for every format); what it
produced is copied into PostgreSQL inside the caller's transaction, with column types mapped from
DuckDB's. Needs `psycopg` (`pip install ledgerloop[postgres]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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
    replaced), inside the caller's transaction; returns how many rows."""
    columns = [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]
    rows = relation.iter_rows(batch_size=COPY_BATCH_ROWS)
    if replace:
        return replace_rows(pg, schema, table, columns, rows)
    create_table(pg, schema, table, columns)
    return copy_rows(pg, schema, table, [name for name, _ in columns], rows)


def read_rows(pg: psycopg.Connection, schema: str, table: str) -> tuple[list[str], list[tuple]]:
    """The column names and every row of `schema.table`."""
    with pg.cursor() as cursor:
        cursor.execute(sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        return [column.name for column in cursor.description], cursor.fetchall()


def replace_rows(
    pg: psycopg.Connection, schema: str, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple]
) -> int:
    """Make `schema.table` (DuckDB-typed `columns`) hold exactly `rows`, in the caller's
    transaction: readers see the old rows or the new, never none."""
    create_table(pg, schema, table, columns)
    pg.execute(sql.SQL("delete from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
    return copy_rows(pg, schema, table, [name for name, _ in columns], rows)
