"""The DuckDB warehouse file kept open in this process between a run's sessions.

Opening the file reads its catalog (~130 tables and views: 25-40 ms on this project's machine) and
creates what the pipeline writes outside dbt if it is missing (~15 ms). A run opens a session for
each step and check, ~30 on a 5,000-invoice refresh: 1.8 s of its 15-19 s went to opening. While
a run keeps the file (`kept_open`, for the whole run: the `ledgerloop` resource), a session is a
connection of its own (`cursor()`: its own transactions, temporary tables and macros) to the one
database this process holds open.

The file is let go, and opened again by the next session:
- before another process must open it (`released`: dbt), DuckDB admitting one process per file;
- after a session that leaves more than `KEEP_AT_MOST` cached: a large book's sessions would
  otherwise hold every table they read until the run ends, and a run's peak memory is the sum;
- when the run ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

KEEP_AT_MOST = 256 * 2**20
"""Bytes of DuckDB memory (its cache of the file's blocks included) a kept database may hold
between sessions; past it the file is closed, and reopening costs a few tens of milliseconds."""


@dataclass
class _Kept:
    database: duckdb.DuckDBPyConnection | None = None
    sessions: int = 0


_lock = threading.Lock()
_kept: dict[Path, _Kept] = {}


@contextmanager
def kept_open(path: Path) -> Iterator[None]:
    """Within: sessions on `path` in this process share one open database (opened by the first).
    Nested, the outermost keeps it."""
    path = _key(path)
    with _lock:
        if path in _kept:
            outermost = False
        else:
            outermost = True
            _kept[path] = _Kept()
    try:
        yield
    finally:
        if outermost:
            with _lock:
                _close(_kept.pop(path))


def session(
    path: Path, open_database: Callable[[], duckdb.DuckDBPyConnection],
) -> duckdb.DuckDBPyConnection | None:
    """A connection of its own to the kept database at `path` (opened with `open_database` when
    it is not open), or None when `path` is not kept. End it with `session_ended`."""
    with _lock:
        kept = _kept.get(_key(path))
        if kept is None:
            return None
        if kept.database is None:
            kept.database = open_database()
        kept.sessions += 1
        return kept.database.cursor()


def session_ended(path: Path) -> None:
    """A session from `session` is closed: the file is let go if the database holds too much."""
    with _lock:
        kept = _kept.get(_key(path))
        if kept is None or kept.database is None:
            return
        kept.sessions -= 1
        if kept.sessions == 0 and _memory(kept.database) > KEEP_AT_MOST:
            _close(kept)


@contextmanager
def released(path: Path) -> Iterator[None]:
    """Within: `path` is not open in this process, so another process (dbt) can open it; the next
    session opens it again. A session still open here would keep the file locked: an error."""
    with _lock:
        kept = _kept.get(_key(path))
        if kept is not None:
            if kept.sessions:
                raise RuntimeError(f"{path}: {kept.sessions} session(s) of this process still hold the "
                                   "warehouse, which another process must open now")
            _close(kept)
    yield


def _key(path: Path) -> Path:
    """One key per file however a caller names it (relative, through a link)."""
    return path.resolve()


def _memory(database: duckdb.DuckDBPyConnection) -> int:
    return database.execute("select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory()").fetchone()[0]


def _close(kept: _Kept) -> None:
    if kept.database is not None:
        kept.database.close()
        kept.database = None
