"""Planning a publish into the portal store from fingerprints the warehouse computes: DuckDB
hashes every row of a read model's query, and only the rows whose hash the store does not hold
beside them (`published_rows`) are fetched, converted and written. A refresh that changed 1% of
a million-invoice book moves about 1% of the rows, and an unchanged read model moves none."""

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
    changes every fingerprint, so every row is published again."""

    table: Table
    query: str
    rows: Callable[[list[tuple]], list[dict]]
    salt: str
    params: Mapping[str, object] = field(default_factory=dict)


def plan_all(con: duckdb.DuckDBPyConnection, store, models: list[WarehouseReadModel]) -> list[Fingerprinted]:
    """`plan` for each read model, reading the store once, before any write lock is taken."""
    with store.engine.connect() as reader:
        return [plan(con, reader, model) for model in models]


def plan(con: duckdb.DuckDBPyConnection, store_reader, model: WarehouseReadModel) -> Fingerprinted:
    """What to write so the table holds the query's rows: reads the warehouse's fingerprints and
    the store's, then only the rows that differ."""
    keys = [column.name for column in model.table.primary_key.columns]
    params = {**model.params, "salt": model.salt}
    fingerprint = "cast(hash($salt, q) as varchar)"
    # The key as `row_key` writes it, made by DuckDB: a million keys are not encoded in Python.
    identity = " || ', ' || ".join(f"to_json(q.{name})" for name in keys)
    keyed = f"select '[' || {identity} || ']', {fingerprint} from ({model.query}) as q"
    pairs = con.execute(keyed, params).fetchall()
    current = dict(pairs)
    if len(current) < len(pairs):  # as the table's own key would refuse it: nothing dropped silently
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"{model.table.name}: duplicate key {twice} (two published rows have it)")
    stored = published_fingerprints(store_reader, model.table)
    if stored is None:
        rows = _converted(con.execute(model.query, dict(model.params)), model.rows)
        return Fingerprinted(model.table, current, fresh=rows, whole=True)
    wanted = sorted({value for identity, value in current.items() if stored.get(identity) != value})
    stale = [identity for identity, value in stored.items() if current.get(identity) != value]
    if not wanted:
        return Fingerprinted(model.table, current, stale)
    cursor = con.execute(
        f"select q.* from ({model.query}) as q where {fingerprint} in (select unnest($wanted))",
        {**params, "wanted": wanted},
    )
    return Fingerprinted(model.table, current, stale, _converted(cursor, model.rows))


def _converted(cursor: duckdb.DuckDBPyConnection, rows: Callable[[list[tuple]], list[dict]],
               batch: int = 20_000) -> list[dict]:
    """The store's rows of everything the cursor yields, converted a batch at a time: the
    warehouse's rows (an account's invoices, say) are never all in memory at once."""
    converted: list[dict] = []
    while fetched := cursor.fetchmany(batch):
        converted += rows(fetched)
    return converted
