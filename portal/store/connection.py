"""The one connection factory of the portal store: SQLite in WAL mode (the default) or
PostgreSQL (by URL), and the handle every part of the store reads and writes through.

The portal never opens the warehouse (DuckDB allows one writing process and the portal must keep
serving during runs), so it has its own database. Reads are single SELECTs, each one snapshot;
every write goes through `PortalStore.writer`, which on SQLite takes the lock up front.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, make_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")


class PortalStore:
    """An open portal store: `engine` for reads, `writer` for transactions that write, and
    `cached` for reads worth keeping until the next write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = (
            engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
        )
        self._reads = _ReadsUntilNextCommit.of(engine)

    def cached(self, key: Hashable, read: Callable[[], T]) -> T:
        """What `read()` returns, kept for `key` until anything is committed to the store by anyone
        (this process or another: the pipeline's publish, any visitor's answer). The pages read
        the same published rows request after request; on SQLite, knowing nothing changed costs
        one `PRAGMA data_version`. A PostgreSQL store reads every time."""
        return read() if self._reads is None else self._reads.get(key, read)

    def close(self) -> None:
        """Release pooled connections."""
        if self._reads is not None:
            self._reads.close()
        self.engine.dispose()


class _ReadsUntilNextCommit:
    """Reads kept per key while SQLite's `data_version` stands: it changes whenever a connection
    other than the watching one commits, and the watching one only ever asks for it. The version
    is taken before a read, so a read that raced a commit is kept under the older version and
    read again at once. When the version cannot be read, nothing is kept: every read reads."""

    def __init__(self, watcher: sqlite3.Connection, size: int = 4096) -> None:
        self._watcher = watcher
        self._lock = threading.Lock()
        self._version: int | None = None
        self._kept: OrderedDict[Hashable, object] = OrderedDict()
        self._size = size

    @classmethod
    def of(cls, engine: Engine) -> _ReadsUntilNextCommit | None:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        try:
            watcher = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                                      isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return None
        return cls(watcher)

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        with self._lock:
            try:
                version = self._watcher.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                self._kept.clear()
                self._version = None
                return read()
            if version != self._version:
                self._kept.clear()
                self._version = version
            elif key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[return-value]
        value = read()
        with self._lock:
            if self._version == version:
                self._kept[key] = value
                if len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return value

    def close(self) -> None:
        with self._lock:
            self._watcher.close()


def engine_for(url: str) -> Engine:
    """The engine of the store at `url` (sqlite:///path or postgresql+psycopg://...)."""
    return _sqlite_engine(url) if url.startswith("sqlite") else create_engine(url, pool_pre_ping=True)


def _create_private_file(url: str) -> None:
    """Create a new SQLite file readable by its owner only (SQLite gives its -wal and -shm files
    the same mode): it holds every director's invoices and notes."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _ensure_wal(cursor) -> None:
    """Switch the file to WAL (a persistent setting) unless it is already.

    SQLite answers a journal-mode change with "database is locked" without calling the busy
    handler when another process is closing the last connection (checkpointing and removing the
    WAL), so the switch is retried until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_engine(url: str) -> Engine:
    """SQLite in WAL mode with a busy timeout; writers take the lock up front (BEGIN IMMEDIATE)."""
    _create_private_file(url)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")  # same as SQLITE_BUSY_TIMEOUT_MS
        _ensure_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers lock up front; readers run each SELECT in autocommit, which is one snapshot.
        if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
