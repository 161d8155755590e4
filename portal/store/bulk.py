"""Writing read models into the store in bulk: inserting many rows fast, and replacing tables'
rows by writing only what changed since the last publish (a refresh that changed 1% of a large
book rewrites 1% of its rows, not all of them, and an unchanged one takes no write lock at all
beyond an empty transaction).

Two ways to know what changed: compare the rows with the table (`changes`, for rows built in
memory), or compare the warehouse's fingerprint of each row with the one stored beside it in
`published_rows` (`Fingerprinted`, for large read models: neither side's unchanged rows are
read at all).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select

from portal.store.tables import published_rows


def _bind_processors(conn, table: Table, names: list[str]) -> list:
    """Each column's own conversion to what the driver stores (Money as exact text, dates...)."""
    return [table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for name in names]


def bulk_insert(conn, table: Table, rows: list[dict], batch: int = 5_000) -> None:
    """Insert many rows, each a dict of every column; see `insert_values`."""
    names = [column.name for column in table.columns]
    insert_values(conn, table, [tuple(row[name] for name in names) for row in rows], batch)


def insert_values(conn, table: Table, values: Iterable[tuple], batch: int = 5_000) -> None:
    """Insert many rows, each a tuple in the order of `table.columns` (a tuple takes a sixth of
    the memory of the same row as a dict: a large publish holds every row it replaces), taken
    from `values` a batch at a time (an iterator's rows need never all exist at once). On
    SQLite the statement is compiled once and each value goes through its column type's own bind
    processing (Money as exact text, UTC timestamps, dates) straight into the driver's
    executemany: about three times faster than SQLAlchemy's per-row parameter handling, which
    dominates publishing a large read model."""
    names = [column.name for column in table.columns]
    batches = _batches(values, batch)
    if conn.dialect.name != "sqlite":
        for rows in batches:
            conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    compiled = insert(table).compile(dialect=conn.dialect)
    at = {name: i for i, name in enumerate(names)}
    order = [at[name] for name in compiled.positiontup]
    pairs = list(zip(order, _bind_processors(conn, table, list(compiled.positiontup)), strict=True))
    for rows in batches:
        converted = [tuple(row[i] if process is None else process(row[i]) for i, process in pairs)
                     for row in rows]
        conn.exec_driver_sql(compiled.string, converted)


def _batches(values: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    rows = iter(values)
    while chunk := list(islice(rows, size)):
        yield chunk


@dataclass(frozen=True)
class Changes:
    """What makes a table hold exactly the published rows: the keys to delete (rows gone or
    changed) and the rows to insert (new or changed)."""

    table: Table
    stale: list[tuple]
    fresh: list[dict]

    def __len__(self) -> int:
        return len(self.stale) + len(self.fresh)


def changes(conn, table: Table, rows: list[dict]) -> Changes:
    """Compare `rows` (dicts of every column) with the table, by primary key, as the driver stores
    them. Reads only: a publish works this out before it takes the store's write lock, so the
    portal's own writes (answers, entries) never wait for the comparison."""
    names = [column.name for column in table.columns]
    key_at = [names.index(column.name) for column in table.primary_key.columns]
    processors = _bind_processors(conn, table, names)
    if len(names) < 2 or not key_at or any(processors[i] is not None for i in key_at):
        raise ValueError(f"{table.name}: publishing compares rows by a plain text or integer key")
    values_of, key_of = itemgetter(*names), itemgetter(*key_at)
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    wanted: dict[tuple, tuple] = {}
    for row in rows:
        stored = list(values_of(row))
        for i, process in converted:
            stored[i] = process(stored[i])
        stored = tuple(stored)
        key = key_of(stored)
        if key in wanted:  # as the table's own key would refuse it: nothing is dropped silently
            raise ValueError(f"{table.name}: duplicate key {key} (two published rows have it)")
        wanted[key] = (stored, row)
    query = select(*[table.c[name] for name in names]).compile(dialect=conn.dialect)
    have = {key_of(found): found for found in conn.exec_driver_sql(query.string).cursor.fetchall()}
    stale = [_as_tuple(key) for key, stored in have.items() if key not in wanted or wanted[key][0] != stored]
    fresh = [row for key, (stored, row) in wanted.items() if have.get(key) != stored]
    return Changes(table, stale, fresh)


def apply(conn, found: Changes) -> int:
    """Write the changes in the caller's transaction; how many rows were deleted or inserted."""
    _delete_keys(conn, found.table, found.stale)
    bulk_insert(conn, found.table, found.fresh)
    return len(found)


def _delete_keys(conn, table: Table, keys: list[tuple] | list[list], names: list[str] | None = None) -> None:
    """Delete the rows with these primary keys (each the key's values in the key's order), or with
    these values of `names`, the key's leading columns (every row of a group)."""
    if not keys:
        return
    names = names or [column.name for column in table.primary_key.columns]
    matching = and_(*[table.c[name] == bindparam(f"key_{name}") for name in names])
    params = [f"key_{name}" for name in names]
    conn.execute(delete(table).where(matching), [dict(zip(params, key, strict=True)) for key in keys])


def replace_tables(store, replaced: dict[Table, list[dict]], also=None,
                   fingerprinted: list[Fingerprinted] = ()) -> dict[str, int]:
    """Make each table hold exactly its rows in one transaction (a page reads the old set or the
    new, never a mix), writing only what changed; `fingerprinted` tables are planned already,
    `also(conn)` adds writes of its own to that transaction. Returns the rows written per table.
    Read models have one writer (the pipeline's publish, one refresh at a time); a publish racing
    another fails on a key, never mixes them."""
    with store.engine.connect() as reader:
        planned = [changes(reader, table, rows) for table, rows in replaced.items()]
    with store.writer.begin() as conn:
        written = {found.table.name: apply(conn, found) for found in planned}
        # Rows compared in memory: the fingerprints of an earlier publish no longer describe them.
        forget_fingerprints(conn, [table.name for table in replaced])
        written |= {plan.table.name: plan.apply(conn) for plan in fingerprinted}
        if also is not None:
            also(conn)
    return written


def forget_fingerprints(conn, table_names: list[str]) -> None:
    if table_names:
        conn.execute(delete(published_rows).where(published_rows.c.table_name.in_(table_names)))


def published_fingerprints(conn, table: Table, *, grouped: bool = False) -> dict[str, str] | None:
    """The fingerprint of each row (each group of rows, `grouped`: its row count first) the last
    fingerprinted publish wrote to `table` (by its key as JSON), or None when they do not describe
    the table: never stored, kept the other way, or the rows they count are not the table's (rows
    published another way, or a store restored from a backup)."""
    query = select(published_rows.c.row_key, published_rows.c.fingerprint).where(
        published_rows.c.table_name == table.name)  # a table of ours, never input
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    stored = dict(conn.exec_driver_sql(compiled.string).cursor.fetchall())  # the driver's own rows: fast
    rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
    if not stored:
        return None
    if not grouped:
        return stored if len(stored) == rows else None
    counts = [group_rows(value) for value in stored.values()]
    if None in counts:
        return None  # a row's fingerprint, from before the table was grouped
    return stored if sum(counts) == rows else None


def group_rows(fingerprint: str) -> int | None:
    """The row count a group's fingerprint starts with (`<rows>:<hash>`); None for a row's."""
    count, colon, _ = fingerprint.partition(":")
    return int(count) if colon and count.isdigit() else None


def row_key(values) -> str:
    """A row's key as `published_rows` keeps it: its key values as a JSON list, written as the
    warehouse writes it (`'[' || to_json(a) || ', ' || to_json(b) || ']'` in DuckDB)."""
    return json.dumps(list(values), ensure_ascii=False)


@dataclass
class Fingerprinted:
    """What makes `table` hold the warehouse's rows, worked out from fingerprints: the keys whose
    fingerprint changed or that are gone (`stale`) and the rows to insert (`fresh`, new or
    changed, each a tuple in the order of `table.columns`), with every current fingerprint.
    `whole`: the stored fingerprints could not be trusted, so every row is replaced. `group_by`:
    the key's leading columns the fingerprints are kept by (a stale key deletes its group's rows,
    `stale_rows` of them)."""

    table: Table
    fingerprints: dict[str, str]
    stale: list[str] = field(default_factory=list)
    fresh: list[tuple] = field(default_factory=list)
    whole: bool = False
    group_by: tuple[str, ...] = ()
    stale_rows: int | None = None

    def current_keys(self) -> list[list]:
        """Every current row's (group's) key values (as `row_key` wrote them)."""
        return [json.loads(key) for key in self.fingerprints]

    @property
    def kept_by(self) -> list[str]:
        """The columns a fingerprint's key holds: the group's, else the table's whole key."""
        return list(self.group_by) or [column.name for column in self.table.primary_key.columns]

    @property
    def stale_row_count(self) -> int:
        """Rows the stale keys delete (a group's as its stored fingerprint counted them)."""
        return len(self.stale) if self.stale_rows is None else self.stale_rows

    @property
    def rows(self) -> int:
        """Rows the table holds once the plan is written."""
        if not self.group_by:
            return len(self.fingerprints)
        return sum(group_rows(value) for value in self.fingerprints.values())

    @property
    def written(self) -> int:
        """Rows this plan deletes or inserts (a whole replacement: the rows it inserts)."""
        return self.stale_row_count + len(self.fresh)

    def apply(self, conn) -> int:
        """Write in the caller's transaction; how many rows were deleted or inserted."""
        table = self.table
        names = self.kept_by
        key_at = [[column.name for column in table.columns].index(name) for name in names]
        by_table = published_rows.c.table_name == self.table.name
        if self.whole:
            deleted = conn.execute(delete(table)).rowcount
            conn.execute(delete(published_rows).where(by_table))
            changed = self.fingerprints
        else:
            deleted = self.stale_row_count
            if self.stale:
                _delete_keys(conn, table, [json.loads(key) for key in self.stale], names)
                known = by_table & (published_rows.c.row_key == bindparam("stale_key"))
                conn.execute(delete(published_rows).where(known), [{"stale_key": k} for k in self.stale])
            fresh_keys = {row_key(row[i] for i in key_at) for row in self.fresh}
            changed = {k: v for k, v in self.fingerprints.items() if k in fresh_keys}
        insert_values(conn, table, self.fresh)
        insert_values(conn, published_rows, _fingerprint_rows(table.name, changed))
        return deleted + len(self.fresh)


def _fingerprint_rows(table_name: str, fingerprints: dict[str, str]) -> Iterator[tuple]:
    """`published_rows`' rows (in its column order) for these fingerprints, made as they are
    inserted: a million of them built at once as dicts held 400 MB for the length of the write."""
    return ((table_name, key, value) for key, value in fingerprints.items())


def _as_tuple(key) -> tuple:
    """A key as `itemgetter` gives it: the value itself for a one-column key."""
    return key if isinstance(key, tuple) else (key,)
