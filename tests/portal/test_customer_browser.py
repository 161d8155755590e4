"""A customer in a real browser (headless Chromium), from a drafted dunning email's link to a
promise on the collector's list: the email the dunning drafter renders carries the contact's link;
opening it shows only their account (fitting a 390 px phone and a 1280 px screen, screenshots kept
for a person to look at); the promise they send is on their collector's list at once."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifications.statement_json import dump_statement
from notifications.statements import Statement
from orchestration.cli.portal import link_command
from orchestration.dunning.channels.email import render_email
from orchestration.dunning.customer_links import customer_links, with_link
from orchestration.dunning.selection import Contact, Facts, plan_dunning
from portal.settings import PortalSettings
from portal.store import connect as connect_store
from portal.store import customers, workbench
from portal.store.customers import CustomerAccount, CustomerContact
from tests.orchestration.dunning.test_selection import _account, _dunning, _invoice
from tests.portal import test_portal_browser
from tests.portal.customer_factories import BUCKETS, HOW, RULES, invoice
from tests.portal.test_portal_browser import CHROMEDRIVER, CHROMIUM, serving_portal
from tests.portal.workbench_factories import ACCOUNTS, EVENTS, ITEMS, MEMBERS, STATE, WORKLOAD

AVERY = "avery.brooks@meridianpartners.example"  # the repo policy's collector (ledgerloop link reads it)
PAYABLES = "payables@acme-builders.example"
SHOTS = Path(os.environ.get("LEDGERLOOP_SCREENSHOTS", "/tmp/ledgerloop-screenshots"))
DUE = dt.date(2026, 11, 2)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="Debian's chromium and chromium-driver are not installed",
    ),
]
browser = test_portal_browser.browser


def _publish(store) -> None:
    """Avery's worklist (Acme Builders, ACC-1, among others) and Acme's customer door."""
    items = [replace(i, collector_email=AVERY) if i.collector == "Avery Brooks" else i for i in ITEMS]
    accounts = [replace(a, collector_email=AVERY) if a.collector == "Avery Brooks" else a for a in ACCOUNTS]
    workbench.publish(store, MEMBERS, items, EVENTS, WORKLOAD, accounts, STATE)
    rows = [
        invoice("ACC-1", "NYC|101", "INV-00000101", "1500.00", dt.date(2026, 10, 9)),
        invoice("ACC-1", "NYC|102", "INV-00000102", "500.25", dt.date(2026, 11, 20)),
        invoice("ACC-1", "NYC|99", "INV-00000099", "0.00", dt.date(2026, 5, 1),
                settled_on=dt.date(2026, 5, 28)),
    ]
    rows = [replace(r, amount=r.balance or Decimal("800.00")) for r in rows]
    rows[0] = replace(rows[0], document_url="https://billing.example/invoices/101.pdf")
    left = Decimal("2.25")
    short = {"balance": left, "discrepancy": left, "discrepancy_paid_on": dt.date(2026, 11, 21)}
    rows[1] = replace(rows[1], **short)  # a payment of 498.00 left 2.25: the customer may accept it
    statement = Statement("ACC-1", "Acme Builders", dt.date(2026, 11, 23), BUCKETS, (), HOW)
    account = CustomerAccount("ACC-1", "Acme Builders", dt.date(2026, 11, 23), "Avery Brooks", AVERY,
                              dump_statement(statement), RULES)
    customers.publish(store, [account], [CustomerContact("ACC-1", PAYABLES, "Dana Payables")], rows)


def _drafted_email_link(home: Path, env: dict[str, str], store) -> str:
    """The link in the text part of the dunning email the drafter renders for Acme's contact."""
    contact = Contact("Dana Payables", PAYABLES, None, (), None, "smb")
    acme = _account(_invoice("NYC:101", account="ACC-1"), account_id="ACC-1", contact=contact)
    dunning = _dunning(home / "policy")
    [notice] = plan_dunning([acme], Facts(), dunning, DUE + dt.timedelta(days=3), "UTC").notices
    settings = PortalSettings.from_env(env)
    message = render_email(with_link(notice, customer_links(settings, store)), dunning, DUE)
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:\d+/a/\S+", text).group(0)


def _shoot(browser, width: int, name: str) -> None:
    """The page at `width` px: nothing wider than the screen; a full-height screenshot kept."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.refresh()
    widths = browser.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    assert widths[0] == width and widths[1] <= width, widths
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}-{width}.png"))


def test_from_a_dunning_emails_link_to_a_promise_on_the_collectors_list(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    store = connect_store(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    _publish(store)
    with serving_portal(tmp_path) as env:
        link = _drafted_email_link(tmp_path, env, store)
        browser.get(link)
        WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/account$"))
        page = browser.page_source
        assert "Acme Builders" in page and "INV-00000101" in page and "Bolt" not in page
        assert "Secret London Client" not in page and "INV-00000099" in page.split("Paid in the last")[1]
        for width in (1280, 390):
            _shoot(browser, width, "customer-account")

        promised = dt.date.today() + dt.timedelta(days=9)
        ticks = "input[type=checkbox][name=invoice_key][value='NYC|101']"
        browser.find_element(By.CSS_SELECTOR, ticks).click()
        browser.find_element(By.ID, "promise-promised_amount").send_keys("1500.00")
        browser.find_element(By.ID, "promise-promised_date").send_keys(promised.strftime("%m%d%Y"))
        browser.find_element(By.ID, "promise-details").send_keys("Wire on Friday <b>bold</b>")
        browser.find_element(By.XPATH, "//button[normalize-space()='Send the promise']").click()
        WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/account/entries/\d+$"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Thank you: we have it"
        assert "Wire on Friday <b>bold</b>" in browser.find_element(By.CLASS_NAME, "note").text
        for width in (1280, 390):
            _shoot(browser, width, "customer-confirmed")
        severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []

        browser.delete_all_cookies()
        minted = CliRunner().invoke(link_command, [AVERY], env=env)
        browser.get(minted.output.strip().splitlines()[-1])
        WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench$"))
        acme = browser.find_elements(By.CSS_SELECTOR, "ol.worklist > li.job")[0]
        assert f"Promise logged: promised USD 1,500.00 by {promised.day} {promised:%b}" in acme.text
    store.close()
