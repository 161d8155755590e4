"""The manager's workload page in headless Chromium: every column visible at 1280 px and on a
390 px phone, with no table scrolling inside a box and no sideways scrolling of the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from orchestration.cli.portal import link_command
from portal.store import connect, workbench
from tests.portal.test_portal_browser import browser, pytestmark, serving_portal  # noqa: F401 (fixture, marks)
from tests.portal.workbench_factories import MEMBERS, workload

# A manager of every office on the policy's roster (ledgerloop.yaml): the link command reads it.
WHITFIELD = "dana.whitfield@meridianpartners.example"
RULE = {"team_mean_open_items": Decimal("40.00"), "load_ratio": Decimal("1.50")}


@pytest.fixture
def running_team(tmp_path):
    """Two collectors, one of them with balances in two currencies, and unassigned invoices."""
    rows = [
        workload(
            "Avery Brooks",
            "NYC",
            open_items=56,
            collector_open_items=66,
            open_balance=Decimal("603284.12"),
            past_due_balance=Decimal("396085.89"),
            **RULE,
        ),
        workload(
            "Avery Brooks",
            "NYC",
            currency="GBP",
            open_items=10,
            collector_open_items=66,
            open_balance=Decimal("612889.74"),
            past_due_balance=Decimal("365592.23"),
            **RULE,
        ),
        workload("Harriet Cole", "LDN", currency="GBP", open_items=14, collector_open_items=14, **RULE),
        workload(
            "unassigned",
            None,
            currency="",
            open_items=3,
            collector_open_items=3,
            open_balance=Decimal("5373.81"),
            **RULE,
        ),
    ]
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    workbench.publish(store, MEMBERS, [], [], rows)
    with serving_portal(tmp_path) as env:
        yield env
    store.close()


@pytest.mark.parametrize(("width", "mobile"), [(1280, False), (390, True)])
def test_workload_page_fits_the_screen_with_every_column_visible(running_team, browser, width, mobile):  # noqa: F811
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    minted = CliRunner().invoke(link_command, [WHITFIELD, "--role", "manager"], env=running_team)
    assert minted.exit_code == 0, minted.output
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
    )
    browser.get(minted.output.strip().splitlines()[-1])
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/team/?$"))
    assert browser.execute_script("return window.innerWidth") == width
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('main *')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert boxes == []  # nothing is cut off inside a scrolling box
    text = browser.find_element("tag name", "main").text
    assert "GBP 612,889.74" in text and "USD 603,284.12" in text
    assert "Not assigned to a collector: 3 open items" in text
    assert "Load is not even" in text and "None" not in text
