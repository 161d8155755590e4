"""Planning a publish into the portal store from fingerprints the warehouse computes: DuckDB
hashes every row of a read model's query, and only the rows whose hash the store does not hold
beside them (`published_rows`) are fetched, converted and written. A refresh that changed 1% of
a million-invoice book moves about 1% of the rows, and an unchanged read model moves none; when
most rows changed, the table is replaced whole, which is cheaper than row by row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
from sqlalchemy import Table

from portal.store.bulk import Fingerprinted, published_fingerprints


@dataclass(frozen=True)
class WarehouseReadModel:
    """A store table and how the warehouse makes it: `query` (its columns named as the table's
    key columns where they are the key) and `rows`, which turns fetched rows into the table's.
    `salt` is what else shapes a published row (the roster, the conversion's version): a new salt
    changes every fingerprint, so every row is published again. `fingerprinted_only` names the
    query's columns that shape the fingerprint but are not fetched for `rows` (an account's
    invoices, whose change must publish its row again, though the row does not hold them)."""

    table: Table
    query: str
    rows: Callable[[list[tuple]], list[dict]]
    salt: str
    params: Mapping[str, object] = field(default_factory=dict)
    fingerprinted_only: tuple[str, ...] = ()


def plan_all(con: duckdb.DuckDBPyConnection, store, models: list[WarehouseReadModel]) -> list[Fingerprinted]:
    """`plan` for each read model, reading the store once, before any write lock is taken."""
    with store.engine.connect() as reader:
        return [plan(con, reader, model) for model in models]


REPLACE_WHOLE_SHARE = 0.5
"""When at least this share of the stored rows changed, the table is replaced whole: deleting
rows one key at a time, and their fingerprints, costs more than emptying the table."""


def plan(con: duckdb.DuckDBPyConnection, store_reader, model: WarehouseReadModel) -> Fingerprinted:
    """What to write so the table holds the query's rows: runs the query once into a temporary
    table beside each row's key and fingerprint, compares those with the store's, then fetches
    only the rows that differ (all of them when most did)."""
    keys = [column.name for column in model.table.primary_key.columns]
    # The key as `row_key` writes it, made by DuckDB: a million keys are not encoded in Python.
    identity = " || ', ' || ".join(f"to_json(q.{name})" for name in keys)
    held = f"publishing_{model.table.name}"
    con.execute(
        f"create or replace temp table {held} as select q.*, '[' || {identity} || ']' as _row_key, "
        f"cast(hash($salt, q) as varchar) as _fingerprint from ({model.query}) as q",
        {**model.params, "salt": model.salt},
    )
    try:
        return _planned(con, store_reader, model, held)
    finally:
        con.execute(f"drop table if exists {held}")


def _planned(con: duckdb.DuckDBPyConnection, store_reader, model: WarehouseReadModel,
             held: str) -> Fingerprinted:
    # The fetched pairs are dropped once in the dict: not held while the rows are converted.
    current = dict(con.execute(f"select _row_key, _fingerprint from {held}").fetchall())
    (held_rows,) = con.execute(f"select count(*) from {held}").fetchone()
    if len(current) < held_rows:  # as the table's own key would refuse it: nothing dropped silently
        (twice,) = con.execute(f"select _row_key from {held} group by all having count(*) > 1 "
                               "order by _row_key limit 1").fetchone()
        raise ValueError(f"{model.table.name}: duplicate key {twice} (two published rows have it)")
    not_fetched = ", ".join(["_row_key", "_fingerprint", *model.fingerprinted_only])
    rows = f"select * exclude ({not_fetched}) from {held}"
    stored = published_fingerprints(store_reader, model.table)
    stale = [] if stored is None else [key for key, value in stored.items() if current.get(key) != value]
    if stored is None or len(stale) >= REPLACE_WHOLE_SHARE * len(stored) > 0:
        fresh = _converted(con, rows, {}, len(current), model)
        return Fingerprinted(model.table, current, fresh=fresh, whole=True)
    changed = [value for key, value in current.items() if stored.get(key) != value]
    if not changed:
        return Fingerprinted(model.table, current, stale)
    fresh = _converted(con, f"{rows} where _fingerprint in (select unnest($wanted))",
                       {"wanted": sorted(set(changed))}, len(changed), model)
    return Fingerprinted(model.table, current, stale, fresh)


CONVERT_BATCH = 20_000
"""Rows fetched and converted at a time: the warehouse's rows (an account's invoices, say) are
never all in memory at once."""


def _converted(con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, object], expected: int,
               model: WarehouseReadModel) -> list[tuple]:
    """The store's rows of everything `query` yields, converted a batch at a time, each kept as a
    tuple in the table's column order (a dict per row held a whole table's rows at several times
    the memory). A converter must not query `con` (use `con.cursor()`): that would end the result
    being fetched, and the rows after the batch would be lost; ValueError if any row is missing."""
    names = [column.name for column in model.table.columns]
    cursor = con.execute(query, params)
    converted: list[tuple] = []
    fetched_rows = 0
    while fetched := cursor.fetchmany(CONVERT_BATCH):
        fetched_rows += len(fetched)
        converted += [tuple(row[name] for name in names) for row in model.rows(fetched)]
    if fetched_rows != expected:
        raise ValueError(f"{model.table.name}: {fetched_rows} of {expected} rows fetched to publish; a "
                         "converter queried the connection the rows were fetched from")
    return converted
