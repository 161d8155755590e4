"""A collector in a real browser (headless Chromium): open the link `ledgerloop link` prints, work
the list by account (contact, next action, drivers, invoices), open an account, log a promise to
pay, see the confirmation and the account's new next action on the list at once; the next ingest
puts it in raw.collector_entries. The list fits a 390 px phone and a 1280 px screen."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pytest
from click.testing import CliRunner

from orchestration.cli.portal import link_command
from orchestration.defs.ingest.collector_entries import load_collector_entries
from orchestration.storage.warehouse import connect
from portal.store import connect as connect_store
from portal.store import workbench
from tests.portal import test_portal_browser
from tests.portal.test_portal_browser import CHROMEDRIVER, CHROMIUM, serving_portal
from tests.portal.workbench_factories import ACCOUNTS, EVENTS, ITEMS, MEMBERS, STATE, WORKLOAD

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
    store = connect_store(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    items = [replace(i, collector_email=AVERY) if i.collector == "Avery Brooks" else i for i in ITEMS]
    accounts = [replace(a, collector_email=AVERY) if a.collector == "Avery Brooks" else a for a in ACCOUNTS]
    workbench.publish(store, MEMBERS, items, EVENTS, WORKLOAD, accounts, STATE)
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
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench$"))
    page = browser.page_source
    assert "Acme Builders" in page and "Secret London Client" not in page
    browser.find_element(By.LINK_TEXT, "Acme Builders").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("/workbench/account"))
    assert "Acme timeline note" in browser.page_source

    promised = dt.date.today() + dt.timedelta(days=10)
    browser.find_element(By.ID, "promise-promised_amount").send_keys("750.50")
    Select(browser.find_element(By.ID, "promise-currency")).select_by_value("USD")
    Select(browser.find_element(By.ID, "promise-invoice_key")).select_by_value("NYC|101")
    browser.find_element(By.ID, "promise-promised_date").send_keys(promised.strftime("%m%d%Y"))
    browser.find_element(By.ID, "promise-note").send_keys("CFO promised <b>by wire</b>")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save the promise']").click()

    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench/entries/\d+$"))
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


def _fits(browser, width: int) -> None:
    """The page as a `width` px wide screen shows it: nothing wider than the screen."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.refresh()
    widths = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth, "
        "Math.max(...[...document.querySelectorAll('li.job')].map(e => e.getBoundingClientRect().right))]"
    )
    assert widths[0] == width and widths[1] <= width and widths[2] <= width, widths


def test_collector_works_the_list_by_account_and_a_logged_promise_shows_at_once(running_workbench, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    env, _, _ = running_workbench
    minted = CliRunner().invoke(link_command, [AVERY], env=env)
    browser.get(minted.output.strip().splitlines()[-1])
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench$"))
    for width in (390, 1280):
        _fits(browser, width)
    accounts = browser.find_elements(By.CSS_SELECTOR, "ol.worklist > li.job")
    names = [a.find_element(By.TAG_NAME, "h2").text for a in accounts]
    assert names == ["#1 Acme Builders", "#2 Bolt & Sons <b>"]
    acme = accounts[0]
    assert acme.find_element(By.CSS_SELECTOR, "a[href^='tel:']").get_attribute("href") == "tel:+12125550199"
    assert "Dana Payables" in acme.text and "payables@example.com" in acme.text
    call = "Make the dunning call: the reminder sequence has reached its call step"
    assert f"Next: {call} by Mon 23 Nov" in acme.text
    assert "no contact for 21 days (+10.50)" in acme.text
    invoices = [li.text for li in acme.find_elements(By.CSS_SELECTOR, "ul.items > li")]
    assert invoices[0].startswith("INV-101: USD 1,500.00, 45 days past due") and len(invoices) == 2

    acme.find_element(By.LINK_TEXT, "Acme Builders").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("/workbench/account"))
    promised = dt.date.today() + dt.timedelta(days=12)
    browser.find_element(By.ID, "promise-promised_amount").send_keys("2000.25")
    Select(browser.find_element(By.ID, "promise-currency")).select_by_value("USD")
    browser.find_element(By.ID, "promise-promised_date").send_keys(promised.strftime("%m%d%Y"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Save the promise']").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench/entries/\d+$"))

    browser.find_element(By.LINK_TEXT, "Back to your list").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench$"))
    acme = browser.find_elements(By.CSS_SELECTOR, "ol.worklist > li.job")[0]
    check_on = promised + dt.timedelta(days=1)
    assert f"Next: Wait for the promised payment, then check it arrived by {check_on:%a %-d %b}" in acme.text
    assert f"Promise logged: promised USD 2,000.25 by {promised.day} {promised:%b}" in acme.text
    assert "no contact for 21 days" not in acme.text
    _fits(browser, 390)
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
