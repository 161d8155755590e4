"""Approval and send events recorded while a run holds the warehouse wait in a file the next run
loads, so the timeline shows them either way."""

import datetime as dt
import subprocess
import sys
import time

from orchestration.dunning.events import events_for, load_pending_events, save_events
from orchestration.storage.engine import DuckDBFile
from orchestration.storage.warehouse import connect

HOLD = (
    "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)"
)


def test_events_saved_while_the_warehouse_is_held_reach_it_with_the_next_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse):
        pass  # the raw tables exist, as after any run
    events = events_for(
        "notice-1",
        "001A",
        ["NYC:1", "NYC:2"],
        "email",
        "approved",
        "Reminder",
        dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC),
        "avery@example.com",
    )
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        where = save_events(tmp_path, events, DuckDBFile(warehouse))
    finally:
        holder.kill()
        holder.wait()
    assert where.endswith("pending_events.jsonl")
    time.sleep(0.1)
    with connect(warehouse) as con:
        assert load_pending_events(con, tmp_path) == 2
        assert load_pending_events(con, tmp_path) == 0  # emptied: loaded once
        rows = con.execute(
            "select event_id, invoice_key, kind, actor from raw.outreach_events order by event_id"
        ).fetchall()
    assert rows == [
        ("notice-1:approved:NYC:1", "NYC:1", "approved", "avery@example.com"),
        ("notice-1:approved:NYC:2", "NYC:2", "approved", "avery@example.com"),
    ]
