"""The manager summary in headless Chromium: fits a phone screen and prints every row."""

import base64
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from orchestration.reporting.manager import write_page
from orchestration.storage.warehouse import connect
from tests.orchestration.reporting.manager_warehouse import AS_OF, build_warehouse
from tests.orchestration.reporting.test_manager import summary_page
from tests.portal.test_portal_browser import browser, pytestmark  # noqa: F401  (fixture, skip marks)

OLDEST = AS_OF - dt.timedelta(days=59)


@pytest.fixture
def page_url(tmp_path):
    path = build_warehouse(tmp_path)
    with connect(path) as con:  # two months of history, and an office whose table is wide
        con.executemany(
            "insert into marts.ar_aging_daily values (?, 'New York', 'Chris', 'USD', 'current', 1, 500)",
            [(OLDEST + dt.timedelta(days=n),) for n in range(57)],
        )
        con.executemany(
            "insert into marts.ar_aging_daily values (?, 'London', 'Priya', 'GBP', ?, 1, 1745761.32)",
            [(AS_OF, bucket) for bucket in ("current", "1-30", "31-60", "61-90", "90+")],
        )
    page = write_page(summary_page(tmp_path), tmp_path / "exports", AS_OF)
    return page.as_uri()


def test_summary_fits_a_phone_screen_without_sideways_scrolling(browser, page_url):  # noqa: F811
    metrics = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # a phone, viewport meta honoured
    browser.get(page_url)
    viewport = browser.execute_script("return window.innerWidth")
    assert viewport == 390
    assert browser.execute_script("return document.documentElement.scrollWidth") <= viewport
    widths = browser.execute_script(
        "return [...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)"
    )
    assert len(widths) == 13
    assert all(0 < width <= viewport for width in widths)
    clipped = browser.execute_script(
        "return [...document.querySelectorAll('.scroll, .wide')]"
        ".filter(box => box.scrollWidth > box.clientWidth + 1)"
        ".map(box => box.querySelector('caption').textContent)"
    )
    assert clipped == []  # on a phone each row is a card: no column is cut off or hidden sideways


def test_no_table_is_clipped_on_a_desktop_screen_and_print_has_every_row(browser, page_url):  # noqa: F811
    browser.set_window_size(1280, 900)
    browser.get(page_url)
    clipped = browser.execute_script(
        "return [...document.querySelectorAll('.scroll, .wide')]"
        ".filter(box => box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1)"
        ".map(box => box.querySelector('caption').textContent)"
    )
    assert clipped == []  # every row and column of every table is on the page
    pdf = PdfReader(io.BytesIO(base64.b64decode(browser.print_page())))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Manager summary" in text
    assert OLDEST.isoformat() in text
    assert "Suggestions, not applied" in text
