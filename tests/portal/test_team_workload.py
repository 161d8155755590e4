"""The manager's workload page: one row per collector, the unassigned invoices counted as listed,
"load is even" only when the published rule says so (and the rule on the page), no `None`."""

from __future__ import annotations

from decimal import Decimal

from litestar.testing import TestClient

from portal.app import create_app
from portal.store import connect, workbench
from tests.portal.workbench_factories import MEMBERS, sign_in_staff, workload

WHITFIELD = next(m.email for m in MEMBERS if m.role == "manager" and m.office is None)
RULE = {"team_mean_open_items": Decimal("3.00"), "load_ratio": Decimal("1.50")}


def _page(portal_settings, rows) -> str:
    store = connect(portal_settings.db_url)
    workbench.publish(store, MEMBERS, [], [], rows)
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as client:
        sign_in_staff(client, portal_settings, "manager", WHITFIELD)
        page = client.get("/team").text
    store.close()
    return page


def _rows(harriet_items: int, **rule):
    return [
        workload("Avery Brooks", "NYC", open_items=3, collector_open_items=3, **rule),
        workload("Harriet Cole", "LDN", currency="GBP", open_items=harriet_items,
                 collector_open_items=harriet_items, **rule),
    ]


def test_load_is_even_only_when_every_collector_is_within_the_published_rule(portal_settings):
    even = _page(portal_settings, _rows(3, **RULE))
    assert "Load is even: every collector holds between 2.0 and 4.5 open items." in even
    assert "team mean of 3.00 open items" in even and "divided by 1.5 and multiplied by 1.5" in even
    uneven = _page(portal_settings, _rows(1, **RULE))
    assert "Load is even" not in uneven
    assert "Load is not even: 1 collector is outside 2.0–4.5 open items." in uneven
    assert 'class="load-below">below range' in uneven


def test_a_roster_collector_holding_nothing_makes_load_uneven(portal_settings):
    rows = [workload("Avery Brooks", "NYC", open_items=3, collector_open_items=3, **RULE)]
    page = _page(portal_settings, rows)  # Harriet Cole is on the roster with no open items
    assert "Harriet Cole" in page and "holds no open items" in page and "Load is not even" in page


def test_without_a_published_rule_the_page_never_claims_load_is_even(portal_settings):
    page = _page(portal_settings, _rows(3))
    assert "Load is even" not in page and "Load cannot be judged yet" in page


def test_the_unassigned_row_counts_what_its_list_holds_and_amounts_never_print_none(portal_settings):
    rows = [
        *_rows(3, **RULE),
        workload("unassigned", None, currency="", open_items=2, collector_open_items=2,
                 open_balance=Decimal("5373.81"), past_due_balance=Decimal("5373.81"), **RULE),
    ]
    page = _page(portal_settings, rows)
    assert "Not assigned to a collector: 2 open items" in page
    assert "5,373.81 (no currency)" in page and 'href="/team/collector?name=unassigned"' in page
    assert "None" not in page


def test_before_the_first_run_the_page_says_nothing_is_published(portal_settings):
    assert "No workload is published for your team yet." in _page(portal_settings, [])
