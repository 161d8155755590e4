"""`dbt build` of the collections marts on a small export: the ranked worklist with its drivers,
the account timeline and the workload with coverage gaps and reassignment hints."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from orchestration.outreach.worklists import export_worklists, read_worklists
from orchestration.warehouse import connect
from tests.dbt.collections.collections_warehouse import AS_OF, SCRIPT_ACCOUNT, build_collections

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    home = tmp_path_factory.mktemp("collections")
    build_collections(home)
    return home


def query(home, sql):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def test_worklist_puts_a_broken_director_promise_first_with_its_drivers(warehouse):
    rows = query(warehouse, "select rank, invoice_key, reason, due_by, drivers from marts.collector_worklist "
                            "where collector = 'Lee' order by rank")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, "NYC:3001", "broken_promise"), (2, "NYC:3002", "untouched")]
    assert str(rows[0][3]) == "2026-11-23"
    drivers = {d["driver"]: d for d in json.loads(rows[0][4])}
    assert drivers["broken_promise"] == {"driver": "broken_promise", "value": "2026-11-15", "points": 60.0}


def test_worklist_driver_points_sum_to_every_score(warehouse):
    rows = query(warehouse, "select invoice_key, priority_score, drivers from marts.collector_worklist")
    assert len(rows) == 11
    for key, score, drivers in rows:
        points = json.loads(drivers, parse_float=Decimal)
        assert sum((d["points"] for d in points), Decimal(0)) == score, key


def test_worklist_lists_a_queued_payment_for_the_collector_of_its_candidates(warehouse):
    rows = query(warehouse, "select collector, item_key, payment_id, reason, balance, currency "
                            "from marts.collector_worklist where payment_id is not null")
    assert rows == [("Chris", "payment:pay-gbp", "pay-gbp", "unmatched_payment", Decimal("400.00"), "GBP")]


def test_worklist_ranks_every_collector_from_one_without_gaps(warehouse):
    ranks = query(warehouse, "select collector, list(rank order by rank) from marts.collector_worklist "
                             "group by collector order by collector")
    assert ranks == [("Chris", list(range(1, 9))), ("Lee", [1, 2]), ("unassigned", [1])]


def test_timeline_orders_an_accounts_invoices_payments_and_answers(warehouse):
    acme = query(warehouse, "select kind, invoice_key, payment_id, amount from marts.account_timeline "
                            "where account_id = '001A' and invoice_key = 'NYC:2001' order by sequence_number")
    # the stage is seen by this run (snapshot time), after the payment received on 11/20
    assert [r[0] for r in acme] == ["invoice_issued", "invoice_due", "payment_applied", "stage_changed"]
    assert acme[2][2:] == ("pay-1", Decimal("400.00"))
    beta = query(warehouse, "select kind, actor, detail from marts.account_timeline "
                            "where account_id = '001B' and kind = 'director_answer'")
    assert beta == [("director_answer", "dana@example.com",
                     "Payment is on its way; expects payment on 2026-11-15; note: client confirmed")]


def test_workload_counts_load_activity_gaps_and_hints(warehouse):
    rows = query(warehouse, "select collector, currency, open_items, open_balance, applications_last_7_days, "
                            "updates_last_30_days, coverage_gap_accounts, reassignment_hint "
                            "from marts.collector_workload order by collector, currency")
    assert rows == [
        ("Chris", "GBP", 1, Decimal("700.00"), 0, 0, 1,
         "Holds 7 open items against a team mean of 4.5: move about 2 to Lee"),
        ("Chris", "USD", 6, Decimal("1700.00"), 1, 0, 0,  # 2001 was paid into on 11/20
         "Holds 7 open items against a team mean of 4.5: move about 2 to Lee"),
        ("Lee", "USD", 2, Decimal("250.00"), 0, 1, 1,  # below 4.5 / 1.5: load is not even
         "Holds 2 open items against a team mean of 4.5: can take about 2 more"),
        ("unassigned", "USD", 1, Decimal("80.00"), 0, 0, 1, "Assign these 1 open items to a collector"),
    ]


def test_exports_read_the_built_worklist_and_escape_account_names(warehouse):
    with connect(warehouse / "warehouse.duckdb", read_only=True) as con:
        lists = read_worklists(con)
    exported = export_worklists(lists, warehouse / "exports", dt.date.fromisoformat(AS_OF), page_items=50)
    assert exported.rows == 11 and sorted(exported.files_by_collector) == ["Chris", "Lee", "unassigned"]
    page = (exported.folder / "Lee.html").read_text(encoding="utf-8")
    assert SCRIPT_ACCOUNT not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "broken_promise 2026-11-15: +60.00" in page
