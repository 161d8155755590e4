"""A collector in a real browser (headless Chromium): open the link `ledgerloop link` prints, open
an account, log a promise to pay, see the confirmation; the next ingest puts it in
raw.collector_entries."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pytest
from click.testing import CliRunner

from orchestration.cli_portal import link_command
from orchestration.ingest.collector_entries import load_collector_entries
from orchestration.warehouse import connect
from portal.store import PortalStore
from tests.portal import test_portal_browser
from tests.portal.test_portal_browser import CHROMEDRIVER, CHROMIUM, serving_portal
from tests.portal.workbench_factories import EVENTS, ITEMS, MEMBERS, WORKLOAD

# The policy's roster (ledgerloop.yaml): the link command reads it to know Avery is a collector.
AVERY = "avery.brooks@meridianpartners.example"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="Debian's chromium and chromium-driver are not installed",
    ),
]
browser = test_portal_browser.browser  # the same headless Chromium fixture as the director's test


@pytest.fixture
def running_workbench(tmp_path):
    """The portal under uvicorn on loopback, with the workbench read models published."""
    store = PortalStore.from_url(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    items = [replace(i, collector_email=AVERY) if i.collector == "Avery Brooks" else i for i in ITEMS]
    store.publish_workbench(MEMBERS, items, EVENTS, WORKLOAD)
    with serving_portal(tmp_path) as env:
        yield env, store, tmp_path
    store.close()


def test_collector_opens_link_logs_a_promise_and_it_reaches_the_warehouse(running_workbench, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    env, store, home = running_workbench
    minted = CliRunner().invoke(link_command, [AVERY], env=env)
    assert minted.exit_code == 0, minted.output
    link = minted.output.strip().splitlines()[-1]
    assert "/c/" in link

    browser.get(link)
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/workbench$"))
    page = browser.page_source
    assert "Acme Builders" in page and "Secret London Client" not in page
    browser.find_element(By.LINK_TEXT, "Acme Builders").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/workbench/account"))
    assert "Acme timeline note" in browser.page_source

    promised = dt.date.today() + dt.timedelta(days=10)
    browser.find_element(By.ID, "promise-promised_amount").send_keys("750.50")
    Select(browser.find_element(By.ID, "promise-currency")).select_by_value("USD")
    Select(browser.find_element(By.ID, "promise-invoice_key")).select_by_value("NYC|101")
    browser.find_element(By.ID, "promise-promised_date").send_keys(promised.strftime("%m%d%Y"))
    browser.find_element(By.ID, "promise-note").send_keys("CFO promised <b>by wire</b>")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save the promise']").click()

    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/workbench/entries/\d+$"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Saved: promise to pay"
    assert "CFO promised <b>by wire</b>" in browser.find_element(By.CLASS_NAME, "note").text
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []  # no CSP violation, no missing asset

    with connect(home / "warehouse.duckdb") as con:
        assert load_collector_entries(con, store, dt.datetime.now(dt.UTC))["entries_loaded"] == 1
        rows = con.execute(
            "select collector_email, collector, kind, account_id, invoice_key, currency, promised_amount, "
            "promised_date, note from raw.collector_entries"
        ).fetchall()
    assert [tuple(map(str, r)) for r in rows] == [
        (
            AVERY,
            "Avery Brooks",
            "promise",
            "ACC-1",
            "NYC|101",
            "USD",
            "750.50",
            promised.isoformat(),
            "CFO promised <b>by wire</b>",
        )
    ]
