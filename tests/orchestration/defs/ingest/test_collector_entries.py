"""Collector workbench entries from the portal store into raw.collector_entries, exactly once, and
the sensor that asks for a run without touching the warehouse."""

import datetime as dt
import json
import subprocess
import sys
import threading
from decimal import Decimal

import dagster as dg
import duckdb
import pytest
from sqlalchemy import update

from orchestration.defs.ingest.collector_entries import (
    LOOKBACK_IDS,
    PortalStoreReplaced,
    collector_entries,
    load_collector_entries,
    new_collector_entries_sensor,
)
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import collector_entries as entries_inbox
from portal.store.collector_entries import NewEntry
from portal.store.tables import collector_entries as entries_table

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
PLAN = json.dumps([{"due_on": "2026-12-01", "amount": "100.10"}, {"due_on": "2027-01-01", "amount": "50.00"}])


def new_entry(n: int, kind: str = "promise", **changes) -> NewEntry:
    values = dict(
        submission_id=f"sub-{n}",
        collector_email="avery.brooks@example.com",
        collector="Avery Brooks",
        kind=kind,
        account_id="001E",
        invoice_key="NYC:6003",
        note=f"note {n}",
        call_outcome=None,
        currency="USD",
        promised_amount=Decimal("100.10"),
        promised_date=dt.date(2026, 12, 1),
        dispute_reason=None,
        dispute_evidence=None,
        dispute_deadline=None,
        resolution=None,
        plan_installments=None,
        submitted_at=NOW + dt.timedelta(minutes=n),
    )
    values.update(changes)
    return NewEntry(**values)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    return tmp_path


def post(home, count: int, start: int = 0, **changes) -> None:
    with open_store(home) as store:
        for n in range(start, start + count):
            entries_inbox.record(store, new_entry(n, **changes))


def loaded(home) -> list[dict]:
    """raw.collector_entries by entry id, one dict per row (plan_installments as text)."""
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        cursor = con.execute(
            "select * replace (cast(plan_installments as varchar) as plan_installments) "
            "from raw.collector_entries order by entry_id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def ingest(home) -> dict:
    with open_store(home) as store, connect(home / "warehouse.duckdb") as con:
        return load_collector_entries(con, store, NOW)


def test_collector_entries_load_once_when_ingested_twice(home):
    post(home, 3)
    first, second = ingest(home), ingest(home)
    assert (first["entries_loaded"], second["entries_loaded"]) == (3, 0)
    assert second["watermark_before"] == second["watermark_after"] == 3
    assert [r["submission_id"] for r in loaded(home)] == ["sub-0", "sub-1", "sub-2"]


def test_collector_entries_keep_every_contract_column_exact(home):
    with open_store(home) as store:
        entries_inbox.record(store, new_entry(0))
        entries_inbox.record(
            store,
            new_entry(
                1,
                kind="dispute",
                promised_amount=None,
                promised_date=None,
                currency=None,
                dispute_reason="Rate",
                dispute_evidence="file://po.pdf",
                dispute_deadline=dt.date(2026, 12, 15),
            )
        )
        entries_inbox.record(
            store,
            new_entry(
                2,
                kind="plan",
                invoice_key=None,
                promised_amount=None,
                promised_date=None,
                plan_installments=PLAN,
            )
        )
        entries_inbox.record(
            store,
            new_entry(
                3,
                kind="call",
                call_outcome="no_answer",
                currency=None,
                promised_amount=None,
                promised_date=None,
            )
        )
        entries_inbox.record(store, new_entry(4, entered_by="customer", collector_email="ap@acme.example"))
        customer = {"entered_by": "customer", "collector_email": "ap@acme.example"}
        entries_inbox.record(
            store, new_entry(5, invoice_key=None, invoice_keys='["NYC:6003", "NYC:6004"]', **customer)
        )
        entries_inbox.record(
            store,
            new_entry(6, kind="discrepancy", promised_amount=None, promised_date=None,
                      accepted_amount=Decimal("3.00"), **customer),
        )
    ingest(home)
    rows = loaded(home)
    assert {k: v for k, v in rows[0].items() if k != "_loaded_at"} == {
        "entry_id": 1,
        "submission_id": "sub-0",
        "collector_email": "avery.brooks@example.com",
        "collector": "Avery Brooks",
        "kind": "promise",
        "account_id": "001E",
        "invoice_key": "NYC:6003",
        "note": "note 0",
        "call_outcome": None,
        "currency": "USD",
        "promised_amount": Decimal("100.10"),
        "promised_date": dt.date(2026, 12, 1),
        "dispute_reason": None,
        "dispute_evidence": None,
        "dispute_deadline": None,
        "resolution": None,
        "plan_installments": None,
        "submitted_at": dt.datetime(2026, 11, 23, 15, 0),
        "entered_by": None,  # a collector's entry
        "invoice_keys": None,  # one invoice: invoice_key
        "accepted_amount": None,
    }
    assert rows[0]["_loaded_at"] == dt.datetime(2026, 11, 23, 15, 0)
    assert (rows[1]["kind"], rows[1]["dispute_evidence"], rows[1]["dispute_deadline"]) == (
        "dispute",
        "file://po.pdf",
        dt.date(2026, 12, 15),
    )
    assert rows[2]["kind"] == "plan" and json.loads(rows[2]["plan_installments"]) == json.loads(PLAN)
    assert rows[3]["call_outcome"] == "no_answer"
    assert (rows[4]["entered_by"], rows[4]["collector_email"]) == ("customer", "ap@acme.example")
    assert (rows[5]["invoice_key"], json.loads(rows[5]["invoice_keys"])) == (None, ["NYC:6003", "NYC:6004"])
    assert (rows[6]["kind"], rows[6]["accepted_amount"]) == ("discrepancy", Decimal("3.00"))
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        amounts = con.execute(
            "select sum(cast(i.amount as decimal(18, 2))) from raw.collector_entries, "
            "unnest(cast(plan_installments as json[])) as t(i) where kind = 'plan'"
        ).fetchone()
    assert amounts == (Decimal("150.10"),)


def test_collector_entries_load_only_new_ones_on_the_next_run(home):
    post(home, 2)
    ingest(home)
    post(home, 2, start=2)
    assert ingest(home)["entries_loaded"] == 2
    assert [r["entry_id"] for r in loaded(home)] == [1, 2, 3, 4]


def test_collector_entries_keep_markup_and_sql_looking_text_verbatim(home):
    text = "<script>alert(1)</script>'); drop table raw.collector_entries; --"
    post(home, 1, note=text)
    ingest(home)
    assert [r["note"] for r in loaded(home)] == [text]


def test_collector_entries_load_an_entry_committed_below_the_watermark(home):
    post(home, 3)
    with open_store(home) as store, store.engine.begin() as conn:
        conn.execute(update(entries_table).where(entries_table.c.entry_id == 2).values(entry_id=50))
    ingest(home)
    with open_store(home) as store, store.engine.begin() as conn:
        conn.execute(update(entries_table).where(entries_table.c.entry_id == 50).values(entry_id=2))
    assert ingest(home)["entries_loaded"] == 1
    assert [r["entry_id"] for r in loaded(home)] == [1, 2, 3, 50]
    assert LOOKBACK_IDS >= 100


def test_collector_entries_from_a_replaced_store_are_refused_not_dropped(home):
    post(home, 2)
    ingest(home)
    (home / "portal.sqlite3").unlink()
    for suffix in ("-wal", "-shm"):
        (home / f"portal.sqlite3{suffix}").unlink(missing_ok=True)
    post(home, 1, start=10)
    with pytest.raises(PortalStoreReplaced, match="entry ids already in raw.collector_entries"):
        ingest(home)
    assert [r["submission_id"] for r in loaded(home)] == ["sub-0", "sub-1"]


def test_collector_entries_posted_while_loading_are_all_loaded_once(home):
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
    ids = [r["entry_id"] for r in loaded(home)]
    with open_store(home) as store:
        stored = [e.entry_id for e in entries_inbox.after(store, 0, 10_000)]
    assert ids == stored and len(ids) == len(set(ids)) == 300


def test_collector_entries_asset_reports_what_it_loaded(home):
    post(home, 2)
    result = dg.materialize([collector_entries], resources={"ledgerloop": LedgerloopResource(home=str(home))})
    assert result.success
    metadata = result.asset_materializations_for_node("portal__collector_entries")[0].metadata
    assert metadata["entries_loaded"].value == 2
    assert metadata["watermark_after"].value == 2


def tick(home, cursor: str | None = None):
    with dg.build_sensor_context(
        cursor=cursor, resources={"ledgerloop": LedgerloopResource(home=str(home))}
    ) as context:
        return new_collector_entries_sensor(context), context


def test_sensor_skips_when_no_collector_has_recorded_anything(home):
    result, context = tick(home)
    assert isinstance(result, dg.SkipReason)
    assert context.cursor is None


def test_sensor_requests_one_run_per_new_batch_of_entries(home):
    post(home, 3)
    first, context = tick(home)
    assert isinstance(first, dg.RunRequest) and first.run_key == "collector-entries-3"
    assert context.cursor == "3"
    again, _ = tick(home, context.cursor)
    assert isinstance(again, dg.SkipReason)
    post(home, 1, start=3)
    later, context = tick(home, "3")
    assert later.run_key == "collector-entries-4" and context.cursor == "4"


def test_sensor_works_while_a_pipeline_holds_the_warehouse(home):
    warehouse = home / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
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
