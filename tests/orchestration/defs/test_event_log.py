"""The kept-open event log: one engine per database file for the process's life, and a process
that opens the log while another holds it (webserver, daemon, a run's worker) waits its turn."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
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


def test_a_run_s_log_commits_without_fsync_and_the_index_with_it(tmp_path):
    """A run's own log (~700 commits a refresh) skips the fsync each commit cost; the index the
    UI's asset and check pages read across runs keeps `synchronous=NORMAL`."""
    storage = KeptOpenSqliteEventLogStorage(str(tmp_path))
    storage.store_event(entry("run-1", "created"))
    with storage.run_connection("run-1") as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 0  # OFF
    with storage.index_connection() as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
    storage.dispose()


def planned(run_id: str, asset: str):
    from dagster import AssetKey, DagsterEvent, DagsterEventType
    from dagster._core.events import AssetMaterializationPlannedData

    return EventLogEntry(
        error_info=None, level="DEBUG", user_message="", run_id=run_id, timestamp=time.time(),
        job_name="refresh_ledger_job", dagster_event=DagsterEvent(
            DagsterEventType.ASSET_MATERIALIZATION_PLANNED.value, "refresh_ledger_job",
            event_specific_data=AssetMaterializationPlannedData(AssetKey(asset))))


def commits_by_file(storage: KeptOpenSqliteEventLogStorage) -> dict[str, int]:
    from sqlalchemy import event

    counted: dict[str, int] = {}
    for shard in ("run-1", "index"):
        engine = storage._initialized(shard)
        event.listen(engine, "commit",
                     lambda _conn, shard=shard: counted.update({shard: counted.get(shard, 0) + 1}))
    return counted


def test_a_batch_of_events_is_one_commit_per_file_and_stored_as_one_by_one(tmp_path):
    """A run's planned events (Dagster sends them as a batch) cost a commit per file, not per
    event; what is stored is what storing them one at a time stores."""
    batched = KeptOpenSqliteEventLogStorage(str(tmp_path / "batched"))
    assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == str(event_log.EVENT_BATCH_SIZE)  # set by the storage
    commits = commits_by_file(batched)
    batched.store_event_batch([planned("run-1", f"asset_{n}") for n in range(40)])
    assert commits == {"run-1": 1, "index": 1}
    one_by_one = KeptOpenSqliteEventLogStorage(str(tmp_path / "one_by_one"))
    for n in range(40):
        one_by_one.store_event(planned("run-1", f"asset_{n}"))
    for storage in (batched, one_by_one):
        assert len(storage.get_records_for_run("run-1").records) == 40
    assert ({key.path[0] for key in batched.all_asset_keys()}
            == {key.path[0] for key in one_by_one.all_asset_keys()} == {f"asset_{n}" for n in range(40)})
    batched.dispose()
    one_by_one.dispose()


def test_a_failing_batch_stores_none_of_it(tmp_path, monkeypatch):
    storage = KeptOpenSqliteEventLogStorage(str(tmp_path))
    storage.store_event(entry("run-1", "created"))
    real = event_log.SqliteEventLogStorage.store_event
    stored = []

    def fails_at_the_third(self, event):
        if len(stored) == 2:
            raise RuntimeError("disk full")
        stored.append(event)
        real(self, event)

    monkeypatch.setattr(event_log.SqliteEventLogStorage, "store_event", fails_at_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        storage.store_event_batch([planned("run-1", f"asset_{n}") for n in range(5)])
    messages = [r.event_log_entry.user_message for r in storage.get_records_for_run("run-1").records]
    assert messages == ["created"]
    assert not storage.all_asset_keys()
    storage.dispose()
