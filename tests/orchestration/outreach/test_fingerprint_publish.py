"""Publishing from the warehouse's fingerprints: only rows whose fingerprint changed leave DuckDB
and are written; the store ends holding exactly the query's rows (changed, new and gone rows
included), on both store engines; whatever the fingerprints cannot vouch for is replaced whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from sqlalchemy import func, select, text

from orchestration.outreach import fingerprints
from orchestration.outreach.fingerprints import WarehouseReadModel, plan
from portal.store import account_events, workbench
from portal.store.account_events import AccountEvent
from portal.store.tables import account_events as events_table
from portal.store.tables import published_rows
from tests.portal import store_engines
from tests.portal.workbench_factories import MEMBERS, STATE, WORKLOAD

pytestmark = pytest.mark.integration
pg_server, store = store_engines.pg_server, store_engines.store  # each test on both engines
AT = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
QUERY = """
select account_id, sequence_number, account_name, occurred_at, kind, invoice_key, payment_id, amount,
       currency, actor, detail
from events
"""


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute(
        "create table events (account_id varchar, sequence_number bigint, account_name varchar, "
        "occurred_at timestamp, kind varchar, invoice_key varchar, payment_id varchar, "
        "amount decimal(18, 2), currency varchar, actor varchar, detail varchar)"
    )
    for n in range(1, 201):
        con.execute(
            "insert into events values ($a, $n, 'Acme', $at, 'invoice_issued', $k, null, $amt, 'USD', "
            "'salesforce', $d)",
            {"a": f"001{n % 7}", "n": n, "at": AT.replace(tzinfo=None), "k": f"NYC:{n}",
             "amt": Decimal(n), "d": f"INV-{n} issued"},
        )
    yield con
    con.close()


def model(salt: str = "roster-1", group_by: tuple[str, ...] = ()) -> WarehouseReadModel:
    def rows(raw):
        return workbench.event_rows(
            AccountEvent(a, n, name, at.replace(tzinfo=dt.UTC), *rest) for a, n, name, at, *rest in raw)

    return WarehouseReadModel(events_table, QUERY, rows, salt, group_by=group_by)


BY_ACCOUNT = ("account_id",)


def published(store, warehouse, salt: str = "roster-1", group_by: tuple[str, ...] = ()):
    with store.engine.connect() as reader:
        planned = plan(warehouse, reader, model(salt, group_by))
    workbench.publish_planned(store, MEMBERS, WORKLOAD, STATE, [planned])
    return planned


def stored_events(store) -> list[tuple]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(events_table).order_by(events_table.c.account_id,
                                                          events_table.c.sequence_number)).all()
    return [(r.account_id, r.sequence_number, r.kind, r.amount, r.detail) for r in rows]


def warehouse_events(warehouse) -> list[tuple]:
    return [tuple(r) for r in warehouse.execute(
        "select account_id, sequence_number, kind, amount, detail from events order by 1, 2").fetchall()]


def change_one_add_one_remove_one(warehouse) -> None:
    """Event 5 changed (account 0015), event 9 gone (0012), event 201 new (0011)."""
    warehouse.execute(
        "update events set detail = 'INV-5 paid', kind = 'payment_applied' where sequence_number = 5")
    warehouse.execute("delete from events where sequence_number = 9")
    warehouse.execute(
        "insert into events select account_id, 201, account_name, occurred_at, 'stage_changed', "
        "invoice_key, null, null, currency, 'director', 'Disputed' from events where sequence_number = 1")


def test_the_first_publish_writes_every_row_and_its_fingerprint(store, warehouse):
    first = published(store, warehouse)
    assert (first.whole, len(first.fresh)) == (True, 200)
    assert stored_events(store) == warehouse_events(warehouse)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(published_rows)).scalar_one() == 200
    [latest] = [e for e in account_events.timeline(store, "0011") if e.sequence_number == 106]
    assert (latest.occurred_at, latest.amount) == (AT, Decimal("106.00"))


def test_a_later_publish_moves_only_changed_new_and_gone_rows(store, warehouse):
    published(store, warehouse)
    change_one_add_one_remove_one(warehouse)
    again = published(store, warehouse)
    assert not again.whole
    at = [column.name for column in again.table.columns].index("sequence_number")
    assert sorted(row[at] for row in again.fresh) == [5, 201]  # only these left DuckDB
    assert len(again.stale) == 2  # the changed row's old version and the gone row
    assert stored_events(store) == warehouse_events(warehouse)
    unchanged = published(store, warehouse)
    assert (unchanged.written, unchanged.whole) == (0, False)


def test_a_new_salt_publishes_every_row_again(store, warehouse):
    published(store, warehouse)
    renamed = published(store, warehouse, salt="roster-2")  # e.g. a collector's new email address
    assert (renamed.whole, len(renamed.fresh)) == (True, 200)
    assert stored_events(store) == warehouse_events(warehouse)


@pytest.mark.parametrize("changed, whole", [(99, False), (100, True), (150, True)])
def test_when_most_rows_changed_the_table_is_replaced_whole(store, warehouse, changed, whole):
    published(store, warehouse)
    warehouse.execute("update events set detail = detail || ' (paid)' where sequence_number <= $n",
                      {"n": changed})
    again = published(store, warehouse)
    assert again.whole is whole
    assert len(again.fresh) == (200 if whole else changed)
    assert stored_events(store) == warehouse_events(warehouse)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(published_rows)).scalar_one() == 200
    assert published(store, warehouse).written == 0  # the fingerprints describe the table again


def test_rows_published_another_way_or_lost_are_replaced_whole(store, warehouse):
    published(store, warehouse)
    workbench.publish(store, MEMBERS, [], [], WORKLOAD)  # in memory: no events, fingerprints forgotten
    assert stored_events(store) == []
    after_memory = published(store, warehouse)
    assert after_memory.whole and stored_events(store) == warehouse_events(warehouse)
    with store.writer.begin() as conn:  # a store restored from an older backup, say
        conn.execute(text("delete from account_events where sequence_number < 10"))
    restored = published(store, warehouse)
    assert restored.whole and stored_events(store) == warehouse_events(warehouse)


def test_two_rows_with_one_key_are_refused_not_dropped(store, warehouse):
    warehouse.execute("insert into events select * from events where sequence_number = 3")
    with store.engine.connect() as reader, pytest.raises(ValueError, match=r"duplicate key \[.*, 3\] "):
        plan(warehouse, reader, model())


def test_rows_converted_in_batches_all_reach_the_store_when_the_converter_reads_on_its_own_cursor(
    store, warehouse, monkeypatch
):
    # The customer door's accounts read their statements while their rows are fetched: on a cursor
    # of their own. At a million invoices, reading them on the fetching connection ended the
    # fetch after the first batch, and 89,697 of 109,697 accounts never reached the store.
    monkeypatch.setattr(fingerprints, "CONVERT_BATCH", 7)
    reader = warehouse.cursor()

    def rows(raw):
        reader.execute("select count(*) from events").fetchall()
        return model().rows(raw)

    published_rows_model = WarehouseReadModel(events_table, QUERY, rows, "roster-1")
    with store.engine.connect() as conn:
        planned = plan(warehouse, conn, published_rows_model)
    assert (planned.whole, len(planned.fresh)) == (True, 200)


def test_a_converter_that_ends_the_fetch_is_an_error_not_rows_lost(store, warehouse, monkeypatch):
    monkeypatch.setattr(fingerprints, "CONVERT_BATCH", 7)

    def rows(raw):
        warehouse.execute("select count(*) from events").fetchall()
        return model().rows(raw)

    with store.engine.connect() as conn, pytest.raises(ValueError, match="events: 7 of 200 rows fetched"):
        plan(warehouse, conn, WarehouseReadModel(events_table, QUERY, rows, "roster-1"))


def fingerprints_kept(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(published_rows)).scalar_one()


def test_grouped_rows_keep_one_fingerprint_per_group(store, warehouse):
    first = published(store, warehouse, group_by=BY_ACCOUNT)
    assert (first.whole, len(first.fresh)) == (True, 200)
    assert stored_events(store) == warehouse_events(warehouse)
    assert fingerprints_kept(store) == 7  # the accounts 0010-0016, not their 200 events
    assert published(store, warehouse, group_by=BY_ACCOUNT).written == 0


def test_a_grouped_publish_replaces_the_changed_groups_rows_together(store, warehouse):
    published(store, warehouse, group_by=BY_ACCOUNT)
    change_one_add_one_remove_one(warehouse)
    again = published(store, warehouse, group_by=BY_ACCOUNT)
    assert not again.whole
    assert sorted(again.stale) == ['["0011"]', '["0012"]', '["0015"]']
    at = [column.name for column in again.table.columns].index("account_id")
    assert {row[at] for row in again.fresh} == {"0011", "0012", "0015"}
    fresh = warehouse.execute("select count(*) from events where account_id in ('0011', '0012', '0015')")
    assert len(again.fresh) == fresh.fetchone()[0]
    # The groups' rows held before are deleted: as many (one row gone from 0012, one new in 0011).
    assert (again.stale_rows, again.written) == (len(again.fresh), 2 * len(again.fresh))
    assert stored_events(store) == warehouse_events(warehouse)
    assert published(store, warehouse, group_by=BY_ACCOUNT).written == 0


def test_a_grouped_store_that_lost_rows_is_replaced_whole(store, warehouse):
    published(store, warehouse, group_by=BY_ACCOUNT)
    with store.writer.begin() as conn:  # every account still there, some of their rows not
        conn.execute(text("delete from account_events where sequence_number < 10"))
    restored = published(store, warehouse, group_by=BY_ACCOUNT)
    assert restored.whole and stored_events(store) == warehouse_events(warehouse)


def test_fingerprints_kept_by_row_are_replaced_whole_once_grouped(store, warehouse):
    published(store, warehouse)
    grouped = published(store, warehouse, group_by=BY_ACCOUNT)
    assert grouped.whole and stored_events(store) == warehouse_events(warehouse)
    assert fingerprints_kept(store) == 7
    assert published(store, warehouse, group_by=BY_ACCOUNT).written == 0


def test_two_rows_with_one_key_in_a_changed_group_are_refused(store, warehouse):
    published(store, warehouse, group_by=BY_ACCOUNT)
    warehouse.execute("insert into events select * from events where sequence_number = 3")
    with store.engine.connect() as reader, pytest.raises(ValueError, match=r"duplicate key \[.*, 3\] "):
        plan(warehouse, reader, model(group_by=BY_ACCOUNT))


def test_groups_are_the_keys_leading_columns(store, warehouse):
    with store.engine.connect() as reader, pytest.raises(ValueError, match="not its key's leading"):
        plan(warehouse, reader, model(group_by=("sequence_number",)))


def test_a_group_gone_from_the_warehouse_leaves_the_store_whole_and_alone(store, warehouse):
    published(store, warehouse, group_by=BY_ACCOUNT)
    warehouse.execute("delete from events where account_id = '0013'")
    gone = published(store, warehouse, group_by=BY_ACCOUNT)
    assert (gone.whole, gone.stale, gone.fresh) == (False, ['["0013"]'], [])
    assert gone.written == gone.stale_rows == 29  # its rows deleted, nothing inserted
    assert stored_events(store) == warehouse_events(warehouse)
    assert fingerprints_kept(store) == 6


def test_two_rows_with_one_key_are_refused_on_a_first_grouped_publish(store, warehouse):
    warehouse.execute("insert into events select * from events where sequence_number = 3")
    with store.engine.connect() as reader, pytest.raises(ValueError, match=r"duplicate key \[.*, 3\] "):
        plan(warehouse, reader, model(group_by=BY_ACCOUNT))
