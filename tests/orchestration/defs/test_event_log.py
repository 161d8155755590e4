"""The kept-open event log: one engine per database file for the process's life, and a process
that opens the log while another holds it (webserver, daemon, a run's worker) waits its turn."""

from __future__ import annotations

import sqlite3
import threading
import time

from dagster import EventLogEntry

import orchestration.defs.event_log as event_log
from orchestration.defs.event_log import KeptOpenSqliteEventLogStorage


def entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level="INFO", user_message=message, run_id=run_id,
                         timestamp=time.time(), dagster_event=None, job_name="refresh_ledger_job")


def test_events_of_a_run_share_one_engine(tmp_path, monkeypatch):
    made = []
    real = event_log.create_engine
    monkeypatch.setattr(event_log, "create_engine", lambda *a, **k: made.append(a[0]) or real(*a, **k))
    storage = KeptOpenSqliteEventLogStorage(str(tmp_path))
    for n in range(50):
        storage.store_event(entry("run-1", f"event {n}"))
    assert len(storage.get_records_for_run("run-1").records) == 50
    assert len([url for url in made if url.endswith("run-1.db")]) == 1
    storage.dispose()


def test_a_process_opening_the_log_while_another_writes_it_waits_its_turn(tmp_path):
    KeptOpenSqliteEventLogStorage(str(tmp_path)).store_event(entry("run-1", "created"))
    holder = sqlite3.connect(tmp_path / "run-1.db", timeout=0, check_same_thread=False)
    holder.execute("begin immediate")  # another process mid-write
    threading.Timer(0.5, holder.commit).start()

    worker = KeptOpenSqliteEventLogStorage(str(tmp_path))  # a run's worker starting up
    worker.store_event(entry("run-1", "from the worker"))
    messages = [r.event_log_entry.user_message for r in worker.get_records_for_run("run-1").records]
    assert messages == ["created", "from the worker"]
    holder.close()
    worker.dispose()


def test_a_table_found_once_is_not_looked_for_again(tmp_path, monkeypatch):
    storage = KeptOpenSqliteEventLogStorage(str(tmp_path))
    looked = []
    real = event_log.SqliteEventLogStorage.has_table
    monkeypatch.setattr(event_log.SqliteEventLogStorage, "has_table",
                        lambda self, name: looked.append(name) or real(self, name))
    assert storage.supports_asset_checks and storage.supports_asset_checks  # a property, asked per event
    assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
    assert looked == ["asset_check_executions", "no_such_table", "no_such_table"]  # absent: asked again
    storage.dispose()
