"""A collector works their drafts in a real browser (headless Chromium): edit an email's text and
approve it, reject an SMS with a reason; no CSP violation, and the page fits a phone."""

from __future__ import annotations

import pytest

from notifications.dunning_drafts import account_drafts
from portal.settings import PortalSettings
from portal.store import connect, workbench
from tests.notifications.dunning_draft_factories import write_email, write_sms
from tests.portal import test_portal_browser
from tests.portal.test_portal_browser import serving_portal
from tests.portal.workbench_factories import AVERY, EVENTS, ITEMS, MEMBERS, WORKLOAD, mint_staff

pytestmark = test_portal_browser.pytestmark  # e2e, slow, and only where Chromium is installed
browser = test_portal_browser.browser  # the same headless Chromium fixture as the director's test


@pytest.fixture
def running_drafts(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    workbench.publish(store, MEMBERS, ITEMS, EVENTS, WORKLOAD)
    email = write_email(tmp_path, "ACC-1", ["NYC|101"], subject="Reminder for Acme Builders",
                        text="Dear Acme,\nINV-101 is past due.\n")
    sms = write_sms(tmp_path, "ACC-1", ["NYC|101"], text="Acme: INV-101 is past due.")
    with serving_portal(tmp_path) as env:
        yield env, store, tmp_path, email, sms
    store.close()


def test_collector_edits_and_approves_an_email_and_rejects_an_sms_in_a_browser(running_drafts, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    env, store, home, email, sms = running_drafts
    url = env["LEDGERLOOP_PORTAL_URL"]
    phone = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    browser.get(f"{url}/c/{mint_staff(PortalSettings.from_env(env), 'collector', AVERY)}")
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench$"))
    browser.find_element(By.LINK_TEXT, "Drafts to approve").click()
    assert "2 reminders to your accounts wait" in browser.page_source
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scroll

    edit_links = browser.find_elements(By.LINK_TEXT, "Edit or reject")
    edit_links[0].click()  # the email (oldest day, then name: email before SMS)
    text = browser.find_element(By.ID, "text")
    text.clear()
    text.send_keys("Dear Ann,\n\nThank you for the call: INV-101 is paid on Friday.")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save changes']").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("did=edited"))
    assert "Saved your changes to Reminder for Acme Builders" in browser.page_source
    browser.find_elements(By.XPATH, "//button[normalize-space()='Approve']")[0].click()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("did=approved"))

    browser.find_element(By.LINK_TEXT, "Edit or reject").click()  # the SMS, the one left
    browser.find_element(By.ID, "reason").send_keys("Customer asked for email only")
    browser.find_element(By.XPATH, "//button[normalize-space()='Reject this draft']").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("did=rejected"))
    assert "No reminders to your accounts wait for approval." in browser.page_source

    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
    [approved] = account_drafts(home, None, ("approved",))
    assert (approved.label, approved.edited_by) == (email, AVERY)
    assert "paid on Friday" in approved.text
    [rejected] = account_drafts(home, None, ("rejected",))
    assert (rejected.label, rejected.rejected_reason) == (sms, "Customer asked for email only")
