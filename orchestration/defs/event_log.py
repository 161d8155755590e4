"""Dagster's SQLite event log, kept open instead of reopened for every event.

A refresh records about a thousand events (a planned event per asset and check when the run is
created, then materializations and check evaluations). Dagster's `SqliteEventLogStorage` builds a
new SQLAlchemy engine, connects and checks the schema for every one of them, and each commit
creates, fsyncs and deletes a rollback journal: measured at 5,000 invoices, more time than
ingest, checks and outputs together. This storage keeps one engine per database file. The index
(assets, checks and runs across runs) commits with `synchronous=NORMAL`; a run's own log (a file
per run, ~700 events and commits on a 5,000-invoice refresh) with `synchronous=OFF`, since each
fsync cost ~0.75 ms here (0.5 s a refresh). Both stay crash-safe for the process: what a commit
wrote is the OS's once the call returns. A power cut may lose the last events of the index and
may damage the log of the run it cut short (which run monitoring fails); never the warehouse. The
UI's live view still sees each write (Dagster watches the `.db` file itself, so WAL, which
writes beside it, is not an option). The journal mode is left as it is: changing it needs a
lock that the webserver, the daemon and a run worker, all holding the same files, would fight
over. Dagster also asks whether its tables exist for every event stored, each time on a new
engine; a table found stays found.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from dagster import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

EVENT_BATCH_SIZE = 1000
"""Events Dagster buffers before storing them as one batch (a run's planned events are one batch
ending before this many at ~330 on the whole graph; only batches that large are split)."""


def _synchronous(level: str) -> Callable[[object, object], None]:
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA synchronous={level}")  # per connection, takes no lock
        cursor.close()

    return on_connect


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one engine per shard (run or index) for the process's life."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict[str, Engine] = {}
        self._tables_found: set[str] = set()
        self._batch: dict[str, Connection] | None = None
        self._batch_thread: int | None = None
        # Dagster hands events it sends as a batch (a run's planned events) to `store_event_batch`
        # only when this is set, in the process that stores them.
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """Whether the index has `table_name`: once found, known (Dagster's migrations add
        tables, and a wipe empties them, never drops them)."""
        if table_name in self._tables_found:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables_found.add(table_name)
        return found

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            )
            event.listen(engine, "connect", _synchronous("NORMAL" if shard == INDEX_SHARD_NAME else "OFF"))
            self._engines[shard] = engine
        return engine

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store `events` in one transaction per file: a run's ~330 planned events (one per asset
        and check, when the run is created) were as many commits to the index, and as many to the
        run's log. Atomic per file: a failure stores none (Dagster then stores them one by one)."""
        with self._db_lock:
            self._batch, self._batch_thread = {}, threading.get_ident()
            try:
                for entry in events:
                    self.store_event(entry)
                for conn in self._batch.values():
                    conn.commit()
            finally:
                for conn in self._batch.values():
                    conn.close()  # rolls back what was not committed
                self._batch, self._batch_thread = None, None

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        if self._batch is not None and self._batch_thread == threading.get_ident():
            yield self._batch.get(shard) or self._begun_in_batch(shard)
            return
        with self._db_lock, self._initialized(shard).connect() as conn, conn.begin():
            yield conn

    def _initialized(self, shard: str) -> Engine:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    def _begun_in_batch(self, shard: str) -> Connection:
        conn = self._initialized(shard).connect()
        conn.begin()
        self._batch[shard] = conn
        return conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
