"""Outreach events: every draft, approval, send and rejection of a notice, one `raw.outreach_events`
row per invoice it covers (the account timeline joins on invoices).

A command (`ledgerloop drafts approve|send`) records its events in the warehouse at once, or,
while a run holds the DuckDB file (or a PostgreSQL warehouse cannot be reached), in
`outbox/dunning/pending_events.jsonl`, which the next run loads first.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from notifications.channels import dunning_root

if TYPE_CHECKING:
    from orchestration.storage.engine import Engine

EVENTS = "raw.outreach_events"
_INSERT_EVENTS = f"insert or ignore into {EVENTS} by name select * from event_rows"


@dataclass(frozen=True)
class OutreachEvent:
    event_id: str
    account_id: str
    invoice_key: str | None
    channel: str
    kind: str
    subject: str
    occurred_at: dt.datetime
    actor: str


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """A moment as the warehouse keeps timestamps: UTC, without a zone."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def events_for(
    notice: str,
    account_id: str,
    invoice_keys: Iterable[str],
    channel: str,
    kind: str,
    subject: str,
    at: dt.datetime,
    actor: str,
) -> list[OutreachEvent]:
    """One raw.outreach_events row per invoice the notice covers (the timeline joins on invoices)."""
    return [
        OutreachEvent(f"{notice}:{kind}:{key}", account_id, key, channel, kind, subject, at, actor)
        for key in invoice_keys
    ]


def record_events(con: duckdb.DuckDBPyConnection, events: Iterable[OutreachEvent]) -> int:
    """Insert events once each (the event id decides), in one statement."""
    rows = [{**e.__dict__, "occurred_at": naive_utc(e.occurred_at)} for e in events]
    if rows:
        con.register("event_rows", pd.DataFrame(rows))
        con.execute(_INSERT_EVENTS)
        con.unregister("event_rows")
    return len(rows)


@contextmanager
def _pending_lock(home: Path) -> Iterator[Path]:
    """The pending-events file, held exclusively: a command appending while a run loads and
    empties the file would otherwise lose its lines."""
    path = dunning_root(home) / "pending_events.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / "pending_events.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_events(home: Path, events: list[OutreachEvent], warehouse: Engine) -> str:
    """Record approval/send events in the warehouse now, or, while a run holds the DuckDB file or
    the server cannot be reached, in a file the next run loads (so the timeline shows them either
    way)."""
    from orchestration.storage.sessions import Rows, open_session

    if not events:
        return "none"
    ids = ", ".join("'" + e.event_id.replace("'", "''") + "'" for e in events)
    known = Rows(EVENTS, f"event_id in ({ids})")  # what makes a repeat of one ignored
    try:
        with open_session(warehouse, reads=[known], appends=[EVENTS]) as con:
            record_events(con, events)
        return "warehouse"
    except (duckdb.IOException, *_server_unreachable()):
        with _pending_lock(home) as path, path.open("a", encoding="utf-8") as handle:
            for e in events:
                handle.write(json.dumps({**e.__dict__, "occurred_at": e.occurred_at.isoformat()}) + "\n")
        return str(path)


def _server_unreachable() -> tuple[type[Exception], ...]:
    """A PostgreSQL warehouse that cannot be reached now (down, refusing): kept for the next run
    like a DuckDB file a run holds. Nothing when psycopg is not installed (no server to reach)."""
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.OperationalError,)


def load_pending_events(con: duckdb.DuckDBPyConnection, home: Path) -> int:
    """Record the events commands left while a run held the warehouse, then empty the file."""
    with _pending_lock(home) as path:
        if not path.exists():
            return 0
        events = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                data["occurred_at"] = dt.datetime.fromisoformat(data["occurred_at"])
                events.append(OutreachEvent(**data))
        from orchestration.storage.warehouse import transaction

        with transaction(con):  # committed (on a server: pushed) before the file is emptied
            count = record_events(con, events)
        path.unlink()
        return count
