"""Publishing read models writes only what changed: a row the new publish carries unchanged is
not rewritten (its physical row stays: SQLite's rowid, PostgreSQL's xmin), a changed, new or gone
row is, and the table ends holding exactly the new rows, on both store engines."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import event, text

from portal.store import customers, workbench, worklists
from portal.store.bulk import insert_values, replace_tables
from portal.store.tables import collector_items, published_rows
from tests.portal import customer_factories, store_engines
from tests.portal.workbench_factories import (
    ACCOUNTS,
    AVERY,
    EVENTS,
    ITEMS,
    MEMBERS,
    STATE,
    WORKLOAD,
)

pytestmark = pytest.mark.integration
pg_server, store = store_engines.pg_server, store_engines.store  # each test on both engines


def _physical(store, table: str) -> dict[str, object]:
    """Each row's physical identity by its item key: rewritten rows get a new one."""
    marker = "rowid" if store.engine.dialect.name == "sqlite" else "xmin::text"
    with store.engine.connect() as conn:
        return dict(conn.execute(text(f"select item_key || '/' || collector, {marker} from {table}")).all())


def _publish(store, items) -> None:
    workbench.publish(store, MEMBERS, items, EVENTS, WORKLOAD, ACCOUNTS, STATE)


def test_an_unchanged_publish_rewrites_no_row_and_a_change_only_its_own(store):
    _publish(store, ITEMS)
    first = _physical(store, "collector_items")
    _publish(store, ITEMS[::-1])  # the same rows in another order (a rewrite would renumber them)
    assert _physical(store, "collector_items") == first  # nothing rewritten
    changed = dataclasses.replace(ITEMS[0], balance=ITEMS[0].balance + Decimal("0.01"))
    _publish(store, [changed, *ITEMS[2:]])  # one changed, one gone
    after = _physical(store, "collector_items")
    gone = f"{ITEMS[1].item_key}/{ITEMS[1].collector}"
    moved = f"{ITEMS[0].item_key}/{ITEMS[0].collector}"
    assert gone not in after and after[moved] != first[moved]
    assert {k: v for k, v in after.items() if k != moved} == {
        k: v for k, v in first.items() if k not in (moved, gone)
    }
    mine = {i.item_key: i.balance for i in worklists.items_for(store, AVERY)}
    if changed.collector_email == AVERY:
        assert mine[changed.item_key] == changed.balance


def test_the_table_holds_exactly_the_new_rows_whatever_was_there(store):
    customer_factories.publish_customers(store)
    shorter = [dataclasses.replace(i, balance=Decimal("1.10")) for i in customer_factories.INVOICES[:3]]
    customer_factories.publish_customers(store, invoices=shorter)
    published = customers.invoices(store, customer_factories.ACME)
    assert sorted((i.invoice_key, i.balance) for i in published) == sorted(
        (i.invoice_key, i.balance) for i in shorter if i.account_id == customer_factories.ACME
    )


def test_two_rows_with_one_key_are_refused_and_nothing_changes(store):
    _publish(store, ITEMS)
    before = _physical(store, "collector_items")
    rows = [dataclasses.asdict(i) for i in (ITEMS[0], ITEMS[0])]
    with pytest.raises(ValueError, match="duplicate key"):
        replace_tables(store, {collector_items: rows})
    assert _physical(store, "collector_items") == before


def test_rows_given_as_an_iterator_are_taken_a_batch_at_a_time(store):
    """A large publish's fingerprints are made as they are written, never all held at once."""
    made = []

    def fingerprints():
        for number in range(25):
            made.append(number)
            yield ("collector_items", f'["item-{number}"]', f"{number:024d}")

    taken_before_each_write = []

    def record(*_) -> None:
        taken_before_each_write.append(len(made))

    event.listen(store.writer, "before_cursor_execute", record)
    try:
        with store.writer.begin() as conn:
            insert_values(conn, published_rows, fingerprints(), batch=10)
    finally:
        event.remove(store.writer, "before_cursor_execute", record)
    assert [taken for taken in taken_before_each_write if taken] == [10, 20, 25]
    with store.engine.connect() as conn:
        assert conn.execute(text("select count(*) from published_rows")).scalar_one() == 25
