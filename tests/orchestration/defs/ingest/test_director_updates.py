"""Director updates from the portal store into raw.director_updates, exactly once, and the
sensor that asks for a run without touching the warehouse."""

import datetime as dt
import subprocess
import sys
import threading
from decimal import Decimal

import dagster as dg
import duckdb
import pytest
from sqlalchemy import update

from orchestration.defs.ingest.director_updates import (
    LOOKBACK_IDS,
    director_updates,
    load_director_updates,
    new_director_updates_sensor,
)
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import director_updates as updates_inbox
from portal.store.director_updates import NewUpdate
from portal.store.tables import director_updates as updates_table

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def new_update(n: int, invoice_key: str = "NYC:1", **changes) -> NewUpdate:
    values = dict(
        submission_id=f"sub-{n}", director_email="dana@example.com", invoice_key=invoice_key,
        status="Payment is on its way", note=f"note {n}", expected_payment_date=dt.date(2026, 12, 1),
        promised_amount=Decimal("100.10"), dispute_reason=None, blocker=None,
        submitted_at=NOW + dt.timedelta(minutes=n),
    )
    values.update(changes)
    return NewUpdate(**values)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    return tmp_path


def post(home, count: int, start: int = 0) -> None:
    with open_store(home) as store:
        for n in range(start, start + count):
            updates_inbox.record(store, new_update(n))


def loaded(home) -> list[tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(
            "select update_id, submission_id, note, promised_amount, expected_payment_date, "
            "submitted_at from raw.director_updates order by update_id"
        ).fetchall()


def ingest(home) -> dict:
    with open_store(home) as store, connect(home / "warehouse.duckdb") as con:
        return load_director_updates(con, store, NOW)


def test_portal_updates_load_once_when_ingested_twice(home):
    post(home, 3)
    first, second = ingest(home), ingest(home)
    assert (first["updates_loaded"], second["updates_loaded"]) == (3, 0)
    assert second["watermark_before"] == second["watermark_after"] == 3
    rows = loaded(home)
    assert [r[1] for r in rows] == ["sub-0", "sub-1", "sub-2"]
    assert rows[0][3:] == (Decimal("100.10"), dt.date(2026, 12, 1), dt.datetime(2026, 11, 23, 15, 0))


def test_portal_updates_load_only_new_ones_on_the_next_run(home):
    post(home, 2)
    ingest(home)
    post(home, 2, start=2)
    assert ingest(home)["updates_loaded"] == 2
    assert [r[0] for r in loaded(home)] == [1, 2, 3, 4]


def test_portal_updates_keep_markup_and_sql_looking_text_verbatim(home):
    text = "<script>alert(1)</script>'); drop table raw.director_updates; --"
    with open_store(home) as store:
        answer = new_update(0, note=text, promised_amount=None, expected_payment_date=None)
        updates_inbox.record(store, answer)
    ingest(home)
    assert loaded(home)[0][2:5] == (text, None, None)


def test_portal_updates_load_an_update_committed_below_the_watermark(home):
    # A PostgreSQL sequence can hand out id 5 to a transaction that commits after id 6 is
    # loaded; the lookback window still finds it (simulated by renumbering a stored update).
    post(home, 3)
    with open_store(home) as store, store.engine.begin() as conn:
        conn.execute(update(updates_table).where(updates_table.c.update_id == 2).values(update_id=50))
    ingest(home)
    with open_store(home) as store, store.engine.begin() as conn:
        conn.execute(update(updates_table).where(updates_table.c.update_id == 50).values(update_id=2))
    assert ingest(home)["updates_loaded"] == 1
    assert [r[0] for r in loaded(home)] == [1, 2, 3, 50]
    assert LOOKBACK_IDS >= 100


def test_portal_updates_asset_reports_what_it_loaded(home):
    post(home, 2)
    result = dg.materialize([director_updates], resources={"ledgerloop": LedgerloopResource(home=str(home))})
    assert result.success
    metadata = result.asset_materializations_for_node("portal__director_updates")[0].metadata
    assert metadata["updates_loaded"].value == 2
    assert metadata["watermark_after"].value == 2


def tick(home, cursor: str | None = None):
    with dg.build_sensor_context(cursor=cursor, resources={
            "ledgerloop": LedgerloopResource(home=str(home))}) as context:
        return new_director_updates_sensor(context), context


def test_sensor_skips_when_no_director_has_answered(home):
    result, context = tick(home)
    assert isinstance(result, dg.SkipReason)
    assert context.cursor is None


def test_sensor_requests_one_run_per_new_batch_of_updates(home):
    post(home, 3)
    first, context = tick(home)
    assert isinstance(first, dg.RunRequest) and first.run_key == "director-updates-3"
    assert context.cursor == "3"
    again, _ = tick(home, context.cursor)
    assert isinstance(again, dg.SkipReason)
    post(home, 1, start=3)
    later, context = tick(home, "3")
    assert later.run_key == "director-updates-4" and context.cursor == "4"


def test_sensor_works_while_a_pipeline_holds_the_warehouse(home):
    # Another process writing the warehouse locks the file; the sensor only reads the store.
    warehouse = home / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "sys.stdin.read()", str(warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(warehouse), read_only=True)
        post(home, 1)
        result, _ = tick(home)
        assert isinstance(result, dg.RunRequest)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_portal_updates_posted_while_loading_are_all_loaded_once(home):
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set() and n < 300:
            post(home, 1, start=n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while thread.is_alive():
            ingest(home)
    finally:
        stop.set()
        thread.join()
    ingest(home)
    ids = [r[0] for r in loaded(home)]
    with open_store(home) as store:
        stored = [u.update_id for u in updates_inbox.after(store, 0, 10_000)]
    assert ids == stored and len(ids) == len(set(ids))
