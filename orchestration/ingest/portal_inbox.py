"""An append-only inbox of the portal store loaded into its raw table, each row exactly once.

The portal store has inboxes that staff write to (director answers, collector workbench entries).
Each is loaded the same way: the watermark is the highest id already in the warehouse (the store's
autoincrement id, never reused); the load re-reads a short window below it and the raw table's
primary key skips what it holds, so a row committed late (out of id order, which a PostgreSQL
sequence allows) is still loaded, and still only once. A sensor reads only the store (the
warehouse may be locked by a running pipeline) and asks for a run when new ids appear.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.ingest.sql_files import ingest_sql
from orchestration.storage.warehouse import query_sql_file
from portal.store import PortalStore

BATCH = 5_000
LOOKBACK_IDS = 1_000


@dataclass(frozen=True)
class PortalInbox:
    """One inbox of the portal store and the raw table it is loaded into.

    The SQL is written out per inbox (table and column names cannot be query parameters)."""

    table: str  # in the store and in `raw`; `sql/<table>.sql` inserts the `columns` of a batch
    id_column: str  # the store's autoincrement id: "update_id"
    singular: str  # one row, for messages: "update" ("update ids already in ...")
    plural: str  # rows, for messages and metadata: "updates" ("updates_loaded")
    read_after: Callable[[PortalStore, int, int], Sequence[Any]]  # (store, after id, limit), id order
    columns: Callable[[Sequence[Any], dt.datetime], dict]  # (rows, loaded_at) -> query parameters
    watermark_sql: str  # the highest id loaded, 0 before the first
    loaded_sql: str  # (id, submission_id) already loaded among `$ids`

    @property
    def name(self) -> str:
        """What the inbox holds, for the sensor: "director updates"."""
        return self.table.replace("_", " ")

    @property
    def raw_table(self) -> str:
        return f"raw.{self.table}"

    def row_id(self, row: Any) -> int:
        return getattr(row, self.id_column)


class PortalStoreReplaced(RuntimeError):
    """The portal store hands out ids that were loaded already for other submissions."""


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """A moment as the naive UTC timestamp the raw tables hold."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def watermark(con: duckdb.DuckDBPyConnection, inbox: PortalInbox) -> int:
    """The highest id of the inbox already loaded (0 before the first)."""
    return con.execute(inbox.watermark_sql).fetchall()[0][0]


def refuse_reused_ids(con: duckdb.DuckDBPyConnection, inbox: PortalInbox, rows: Sequence[Any]) -> None:
    """A replaced store (a new SQLite file, the move to PostgreSQL, a restore) starts its ids
    again; the load skips ids it holds, so its rows would be dropped without a word."""
    in_store = {inbox.row_id(row): row.submission_id for row in rows}
    loaded = con.execute(inbox.loaded_sql, {"ids": list(in_store)}).fetchall()
    clashes = sorted((i, old, in_store[i]) for i, old in loaded if old != in_store[i])[:5]
    if clashes:
        examples = "; ".join(f"id {i}: loaded {old}, store has {new}" for i, old, new in clashes)
        raise PortalStoreReplaced(
            f"portal store: {inbox.singular} ids already in {inbox.raw_table} belong to other "
            f"submissions in the store ({examples}), so the store was replaced or restored; nothing "
            "was loaded from it. Point LEDGERLOOP_PORTAL_DB_URL back at the store that holds the "
            f"loaded {inbox.plural}, or copy the new store's {inbox.plural} into it."
        )


def load_inbox(
    con: duckdb.DuckDBPyConnection, store: PortalStore, inbox: PortalInbox, now: dt.datetime
) -> dict[str, int]:
    """Load every row past the watermark, in batches, each batch in one transaction."""
    before = watermark(con, inbox)
    refuse_reused_ids(con, inbox, inbox.read_after(store, 0, 1))  # a new store's first id is loaded
    after, read, loaded = max(0, before - LOOKBACK_IDS), 0, 0
    while batch := inbox.read_after(store, after, BATCH):
        refuse_reused_ids(con, inbox, batch)
        con.begin()
        cursor = query_sql_file(con, ingest_sql(f"{inbox.table}.sql"), inbox.columns(batch, utc_naive(now)))
        loaded += cursor.fetchall()[0][0]
        con.commit()
        read += len(batch)
        after = inbox.row_id(batch[-1])
    return {
        f"{inbox.plural}_loaded": loaded,
        f"{inbox.plural}_read": read,
        "watermark_before": before,
        "watermark_after": watermark(con, inbox),
    }
