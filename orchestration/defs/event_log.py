"""Dagster's SQLite event log, kept open instead of reopened for every event.

A refresh records about a thousand events (a planned event per asset and check when the run is
created, then materializations and check evaluations). Dagster's `SqliteEventLogStorage` builds a
new SQLAlchemy engine, connects and checks the schema for every one of them, and each commit
creates, fsyncs and deletes a rollback journal: measured at 5,000 invoices, more time than
ingest, checks and outputs together. This storage keeps one engine per database file, and its
connections commit with `synchronous=NORMAL`: the same files, still crash-safe for the process (a
power cut may lose the last events of a run, never the warehouse), and the UI's live view still
sees each write (Dagster watches the `.db` file itself, so WAL, which writes beside it, is not an
option). The journal mode is left as it is: changing it needs a lock that the webserver, the
daemon and a run worker, all holding the same files, would fight over. Dagster also asks whether
its tables exist for every event stored, each time on a new engine; a table found stays found.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine


def _quick_commits(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")  # per connection, takes no lock
    cursor.close()


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one engine per shard (run or index) for the process's life."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict[str, Engine] = {}
        self._tables_found: set[str] = set()
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
            event.listen(engine, "connect", _quick_commits)
            self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
