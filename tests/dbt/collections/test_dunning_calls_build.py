"""A dunning call step (outreach.dunning_call_tasks, written by the dunning asset) puts its
invoices on the collector's list with the task as a driver, until someone logs a call."""

import pytest

from orchestration.dunning.facts import ensure_schema
from orchestration.storage.warehouse import connect
from tests.dbt.collections.collections_warehouse import AS_OF, build_collections, rebuild

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TASK = "Call the customer: payment overdue after two reminders"


def add_call_task(home, task_id: str, invoice_keys: str, due_on: str, account_id: str = "001A") -> None:
    with connect(home / "warehouse.duckdb") as con:
        ensure_schema(con)
        con.execute(
            "insert into outreach.dunning_call_tasks values ($id, 'dunning_call', $account, 'Acme, Inc.', "
            "'Chris', null, $task, $keys, 'USD 1,500.00', null, $due, '2026-11-20', 'notice-1')",
            {"id": task_id, "account": account_id, "task": TASK, "keys": invoice_keys, "due": due_on},
        )


def chris_items(home) -> dict[str, tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        rows = con.execute(
            "select item_key, reason, next_action, drivers from marts.collector_worklist_items "
            "where collector = 'Chris'"
        ).fetchall()
    return {key: (reason, action, drivers) for key, reason, action, drivers in rows}


def test_a_due_dunning_call_lists_its_invoices_until_a_call_is_logged(tmp_path):
    build_collections(tmp_path)
    add_call_task(tmp_path, "call-1", "NYC:2001,NYC:2002", AS_OF)
    add_call_task(tmp_path, "call-later", "NYC:2004", "2026-12-01")  # not due yet
    rebuild(tmp_path, AS_OF)
    items = chris_items(tmp_path)
    for key in ("NYC:2001", "NYC:2002"):
        reason, action, drivers = items[key]
        assert '"driver":"dunning_call"' in drivers.replace(" ", "") and TASK in drivers
        assert reason in ("dunning_call", "broken_promise", "promise_to_pay_broken", "dispute_overdue")
    assert "dunning_call" not in items["NYC:2004"][2]

    with connect(tmp_path / "warehouse.duckdb") as con:  # Chris called Acme after the task was made
        con.execute(
            "insert into raw.collector_entries by name select 900 as entry_id, 'sub-900' as submission_id, "
            "'chris@example.com' as collector_email, 'Chris' as collector, 'call' as kind, "
            "'001A' as account_id, 'reached' as call_outcome, 'called' as note, "
            "timestamp '2026-11-22 10:00:00' as submitted_at, now() as _loaded_at"
        )
    rebuild(tmp_path, AS_OF)
    assert all("dunning_call" not in drivers for _, _, drivers in chris_items(tmp_path).values())
