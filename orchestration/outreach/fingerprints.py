"""Planning a publish into the portal store from fingerprints the warehouse computes: DuckDB
hashes every row of a read model's query, and only the rows whose hash the store does not hold
beside them (`published_rows`) are fetched, converted and written. A refresh that changed 1% of
a million-invoice book moves about 1% of the rows, and an unchanged read model moves none; when
most rows changed, the table is replaced whole, which is cheaper than row by row.

A read model whose rows come in groups (an account's timeline, its invoices) is fingerprinted by
group: one fingerprint per account, not per row, so a refresh compares and stores a few tens of
thousands of them instead of over a million, and a changed account's rows are replaced together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
from sqlalchemy import Table

from portal.store.bulk import Fingerprinted, group_rows, published_fingerprints


@dataclass(frozen=True)
class WarehouseReadModel:
    """A store table and how the warehouse makes it: `query` (its columns named as the table's
    key columns where they are the key) and `rows`, which turns fetched rows into the table's.
    `salt` is what else shapes a published row (the roster, the conversion's version): a new salt
    changes every fingerprint, so every row is published again. `fingerprinted_only` names the
    query's columns that shape the fingerprint but are not fetched for `rows` (an account's
    invoices, whose change must publish its row again, though the row does not hold them).
    `group_by`: the key's leading columns whose rows are fingerprinted and replaced together."""

    table: Table
    query: str
    rows: Callable[[list[tuple]], list[dict]]
    salt: str
    params: Mapping[str, object] = field(default_factory=dict)
    fingerprinted_only: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()

    @property
    def key(self) -> list[str]:
        return [column.name for column in self.table.primary_key.columns]

    @property
    def fingerprinted_by(self) -> list[str]:
        """The columns each fingerprint is kept by: the group's, else the whole key's."""
        if list(self.group_by) != self.key[:len(self.group_by)]:
            raise ValueError(f"{self.table.name}: grouped by {self.group_by}, not its key's leading columns")
        return list(self.group_by) or self.key


def plan_all(con: duckdb.DuckDBPyConnection, store, models: list[WarehouseReadModel]) -> list[Fingerprinted]:
    """`plan` for each read model, reading the store once, before any write lock is taken."""
    with store.engine.connect() as reader:
        return [plan(con, reader, model) for model in models]


REPLACE_WHOLE_SHARE = 0.5
"""When at least this share of the stored rows changed, the table is replaced whole: deleting
rows one key at a time, and their fingerprints, costs more than emptying the table."""


def plan(con: duckdb.DuckDBPyConnection, store_reader, model: WarehouseReadModel) -> Fingerprinted:
    """What to write so the table holds the query's rows: runs the query once into a temporary
    table beside each row's key (its group's, if grouped) and fingerprint, compares those with the
    store's, then fetches only the rows (groups) that differ (all of them when most did)."""
    held = f"publishing_{model.table.name}"
    con.execute(
        f"create or replace temp table {held} as select q.*, "
        f"{_json_key(model.fingerprinted_by, 'q.')} as _row_key, hash($salt, q) as _fingerprint "
        f"from ({model.query}) as q",
        {**model.params, "salt": model.salt},
    )
    try:
        return _planned(con, store_reader, model, held)
    finally:
        con.execute(f"drop table if exists {held}")


def _json_key(names: list[str], prefix: str = "") -> str:
    """SQL for a key as `row_key` writes it, made by DuckDB: a million keys are not encoded in Python."""
    return "'[' || " + " || ', ' || ".join(f"to_json({prefix}{name})" for name in names) + " || ']'"


GROUP_FINGERPRINT = "count(*) || ':' || to_hex(hash(sum(_fingerprint)))"
"""A group's fingerprint: its row count (so a store that lost rows is caught, `published_fingerprints`)
and a hash of its rows' hashes, whatever their order."""


def _planned(con: duckdb.DuckDBPyConnection, store_reader, model: WarehouseReadModel,
             held: str) -> Fingerprinted:
    grouped = bool(model.group_by)
    fingerprint = (f"select _row_key, {GROUP_FINGERPRINT} from {held} group by _row_key" if grouped
                   else f"select _row_key, cast(_fingerprint as varchar) from {held}")
    # The fetched pairs are dropped once in the dict: not held while the rows are converted.
    current = dict(con.execute(fingerprint).fetchall())
    if not grouped:
        _refuse_duplicates(con, model, held, len(current))
    not_fetched = ", ".join(["_row_key", "_fingerprint", *model.fingerprinted_only])
    rows = f"select * exclude ({not_fetched}) from {held}"
    stored = published_fingerprints(store_reader, model.table, grouped=grouped)
    stale = [] if stored is None else [key for key, value in stored.items() if current.get(key) != value]
    stale_rows = None if not grouped or stored is None else sum(group_rows(stored[key]) for key in stale)
    if stored is None or len(stale) >= REPLACE_WHOLE_SHARE * len(stored) > 0:
        if grouped:
            _refuse_duplicates(con, model, held)
        fresh = _converted(con, rows, {}, _count(con, held), model)
        return Fingerprinted(model.table, current, fresh=fresh, whole=True, group_by=model.group_by)
    changed = sorted(key for key, value in current.items() if stored.get(key) != value)
    if not changed:
        return Fingerprinted(model.table, current, stale, group_by=model.group_by, stale_rows=stale_rows)
    wanted = "where _row_key in (select unnest($wanted))"
    if grouped:
        _refuse_duplicates(con, model, held, where=wanted, params={"wanted": changed})
    fresh = _converted(con, f"{rows} {wanted}", {"wanted": changed},
                       _count(con, held, wanted, {"wanted": changed}) if grouped else len(changed), model)
    return Fingerprinted(model.table, current, stale, fresh, group_by=model.group_by, stale_rows=stale_rows)


def _count(con: duckdb.DuckDBPyConnection, held: str, where: str = "", params: Mapping | None = None) -> int:
    return con.execute(f"select count(*) from {held} {where}", params or {}).fetchone()[0]


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, model: WarehouseReadModel, held: str,
                       distinct_keys: int | None = None, where: str = "",
                       params: Mapping | None = None) -> None:
    """ValueError naming a key two rows share, as the table's own key would refuse it: nothing is
    dropped silently. Ungrouped, the fingerprints' distinct keys tell (`distinct_keys`); grouped,
    only the rows about to be written are looked at (an unchanged group was written under the key
    before)."""
    if distinct_keys is not None and distinct_keys == _count(con, held):
        return
    twice = con.execute(f"select {_json_key(model.key)} as k from {held} {where} group by all "
                        "having count(*) > 1 order by k limit 1", params or {}).fetchone()
    if twice is not None:
        raise ValueError(f"{model.table.name}: duplicate key {twice[0]} (two published rows have it)")


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
