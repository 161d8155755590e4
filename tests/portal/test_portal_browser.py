"""A director in a real browser (headless Chromium): open a link, see only their jobs, send an update."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from orchestration.cli.portal import link_command
from portal.store import connect, director_jobs, director_updates
from tests.portal.portal_factories import DANA, ERIN, NEW_YORK_POLICY, SECRET, STATUSES, client_jobs, job

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=390,844",
]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="Debian's chromium and chromium-driver are not installed "
        "(apt-get install -y chromium chromium-driver)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving_portal(home: Path) -> Iterator[dict[str, str]]:
    """`ledgerloop portal` under uvicorn on a free loopback port, serving `home`'s store with the
    repo's ledgerloop.yaml, until the block ends; yields the environment it runs with."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "LEDGERLOOP_CONFIG"},
        "LEDGERLOOP_HOME": str(home),
        "LEDGERLOOP_SECRET_KEY": SECRET,
        "LEDGERLOOP_PORTAL_URL": f"http://127.0.0.1:{port}",
        "LEDGERLOOP_PORTAL_DB_URL": "",
    }
    with portal_process(env, port):
        yield env


@contextmanager
def portal_process(env: dict[str, str], port: int) -> Iterator[None]:
    """`ledgerloop portal --port P` in a subprocess with `env`, from its first 200 on /healthz until
    the block ends."""
    code = "from orchestration.cli.portal import portal_command; portal_command()"
    # Its output goes to a file: a pipe nobody reads would stop the portal once it filled.
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-c", code, "--port", str(port)],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    output.seek(0)
                    raise AssertionError(f"the portal exited: {output.read().decode()[-4000:]}")
                assert time.monotonic() < deadline, "portal did not answer within 30 s"
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def running_portal(tmp_path):
    """The portal under uvicorn on loopback, with two directors' jobs published."""
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    director_jobs.publish(
        store,
        [
            job("new-york|123", DANA, account_name="Acme, Inc."),
            job("boston|789", ERIN, account_name="Secret Client Corp"),
        ],
        STATUSES,
    )
    with serving_portal(tmp_path) as env:
        yield env, store
    store.close()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_director_opens_link_sees_only_their_jobs_and_sends_an_update(running_portal, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    env, store = running_portal
    minted = CliRunner().invoke(link_command, [DANA], env=env)
    assert minted.exit_code == 0, minted.output
    link = minted.output.strip().splitlines()[-1]
    token = link.rsplit("/", 1)[1]

    browser.get(link)
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/jobs$"))
    assert token not in browser.current_url
    page = browser.page_source
    assert "Acme, Inc." in page and "INV-123" in page
    assert "Secret Client Corp" not in page and "INV-789" not in page

    Select(browser.find_element(By.ID, "status-1")).select_by_visible_text("Will pay")
    browser.find_element(By.ID, "note-1").send_keys("Client pays Friday <b>really</b>")
    browser.find_element(By.ID, "promised_amount-1").send_keys("1000.00")
    browser.find_element(By.XPATH, "//button[normalize-space()='Send answer for INV-123']").click()

    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/updates/\d+$"))
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "Thank you, your update was received"
    assert "Client pays Friday <b>really</b>" in browser.find_element(By.CLASS_NAME, "note").text
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []  # no CSP violation, no missing asset
    [saved] = director_updates.after(store, 0, 10)
    assert (saved.director_email, saved.invoice_key, saved.note) == (
        DANA,
        "new-york|123",
        "Client pays Friday <b>really</b>",
    )
    assert str(saved.promised_amount) == "1000.00"


def test_director_goes_from_the_drafted_email_to_a_saved_update(running_portal, browser, tmp_path):
    """The loop a director lives: the pipeline's draft email, its button, the page, the update."""
    import datetime as dt
    import email
    import re
    from email import policy

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from notifications.outbox import Outbox
    from notifications.render import Sender
    from orchestration.outreach.drafts import write_director_drafts
    from portal.settings import PortalSettings

    env, store = running_portal
    settings = PortalSettings.from_env(env)
    jobs = {DANA: director_jobs.for_director(store, DANA)}
    result = write_director_drafts(
        jobs,
        store,
        settings,
        Outbox(tmp_path / "outbox"),
        dt.date(2026, 11, 23),
        Sender("ar@example.com"),
        dt.datetime.now(dt.UTC),
    )
    [eml] = result.written
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    [link] = re.findall(r'href="(http://127\.0\.0\.1:\d+/d/[^"]+)"', html)
    assert link in message.get_body(preferencelist=("plain",)).get_content()

    browser.get(link)
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/jobs$"))
    assert "Acme, Inc." in browser.page_source
    assert "Secret Client Corp" not in browser.page_source
    Select(browser.find_element(By.ID, "status-1")).select_by_visible_text("Will pay")
    browser.find_element(By.ID, "note-1").send_keys("Paying on the 30th")
    browser.find_element(By.XPATH, "//button[normalize-space()='Send answer for INV-123']").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/updates/\d+$"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Thank you, your update was received"
    [saved] = director_updates.after(store, 0, 10)
    assert (saved.director_email, saved.invoice_key) == (DANA, "new-york|123")
    assert saved.note == "Paying on the 30th"


@pytest.fixture
def portal_with_a_client_of_three_invoices(tmp_path):
    """Dana is asked about three invoices of one client (with its contact) and one of another."""
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    director_jobs.publish(store, client_jobs(), STATUSES, NEW_YORK_POLICY)
    with serving_portal(tmp_path) as env:
        yield env, store
    store.close()


def test_director_answers_several_invoices_of_a_client_at_once(
    portal_with_a_client_of_three_invoices, browser
):
    """On a phone-sized window: the client's three invoices with its contact, two of them ticked,
    one answer, a confirmation naming both, and the jobs page showing the answer at once."""
    import datetime as dt

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    env, store = portal_with_a_client_of_three_invoices
    phone = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    minted = CliRunner().invoke(link_command, [DANA], env=env)
    assert minted.exit_code == 0, minted.output
    browser.get(minted.output.strip().splitlines()[-1])
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/jobs$"))

    acme = browser.find_element(By.XPATH, "//section[h2[normalize-space()='Acme, Inc.']]")
    assert "Isla Carter" in acme.text and "+1 212 555 8250" in acme.text
    assert acme.find_element(By.CSS_SELECTOR, "a[href='tel:+12125558250']")
    boxes = acme.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=invoice_key]")
    assert [b.get_attribute("value") for b in boxes] == ["nyc|1", "nyc|2", "nyc|3"]
    assert all(b.is_selected() for b in boxes)
    acme.find_element(By.CSS_SELECTOR, "label[for='pick-1-2']").click()  # untick INV-2 by its label
    Select(acme.find_element(By.ID, "status-1")).select_by_visible_text("Will pay")
    acme.find_element(By.ID, "note-1").send_keys("Paying both next week")
    acme.find_element(By.ID, "promised_amount-1").send_keys("600.00")
    payment_day = dt.date.today() + dt.timedelta(days=7)
    browser.execute_script(
        "arguments[0].value = arguments[1]",
        acme.find_element(By.ID, "expected_payment_date-1"),
        payment_day.isoformat(),
    )
    acme.find_element(By.XPATH, ".//button[normalize-space()='Send answer for the ticked invoices']").click()

    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/updates/\d+$"))
    confirmation = browser.find_element(By.TAG_NAME, "main").text
    assert "Your answer covers 2 invoices" in confirmation
    assert "INV-1" in confirmation and "INV-3" in confirmation and "INV-2" not in confirmation
    assert "EST" in confirmation or "EDT" in confirmation  # the policy's time zone, not UTC
    saved = director_updates.after(store, 0, 10)
    assert [(u.invoice_key, str(u.promised_amount)) for u in saved] == [
        ("nyc|1", "400.00"),
        ("nyc|3", "200.00"),
    ]
    assert {u.expected_payment_date for u in saved} == {payment_day}

    browser.find_element(By.LINK_TEXT, "Back to your jobs").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/jobs$"))
    acme = browser.find_element(By.XPATH, "//section[h2[normalize-space()='Acme, Inc.']]")
    answers = acme.find_elements(By.CSS_SELECTOR, "li.invoice.answered")
    assert len(answers) == 2 and all("Paying both next week" in a.text for a in answers)
    boxes = acme.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=invoice_key]")
    assert [b.get_attribute("value") for b in boxes if b.is_selected()] == ["nyc|2"]  # still to answer
    assert browser.execute_script("return window.innerWidth") == 390
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scroll
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
