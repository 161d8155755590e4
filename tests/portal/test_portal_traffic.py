"""The portal under real traffic: a collector's drafts page with thousands of dunning drafts is
fast, and while it is being served `/healthz` (and so every other user) still answers at once."""

from __future__ import annotations

import os
import statistics
import threading
import time

import httpx
import pytest

from notifications.draft_index import DraftIndex
from portal.store import connect, workbench
from tests.notifications.dunning_draft_factories import write_email, write_sms
from tests.portal.test_portal_browser import serving_portal
from tests.portal.workbench_factories import AVERY, EVENTS, MEMBERS, WORKLOAD, item, mint_staff

pytestmark = [pytest.mark.slow]

ACCOUNTS = 1_000
DRAFTS = 3_000  # two emails and an SMS per account


@pytest.fixture
def busy_home(tmp_path, monkeypatch):
    """A collector with 1,000 accounts on their list and 3,000 dunning drafts waiting."""
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    items = [item("Avery Brooks", n + 1, f"NYC|{n}", f"ACC-{n}") for n in range(ACCOUNTS)]
    workbench.publish(store, MEMBERS, items, EVENTS, WORKLOAD)
    store.close()
    with monkeypatch.context() as fast:
        fast.setattr(os, "fsync", lambda fd: None)  # durability is not under test; 3,000 fsyncs are slow
        for n in range(ACCOUNTS):
            for kind in ("first", "second"):
                write_email(
                    tmp_path, f"ACC-{n}", [f"NYC|{n}"], name=f"dunning-acc-{n}-email-{kind}",
                    subject=f"Reminder {kind} for ACC-{n}",
                )
            write_sms(tmp_path, f"ACC-{n}", [f"NYC|{n}"])
        DraftIndex(tmp_path).sync(locked=True)  # as the pipeline's dunning run ends
    return tmp_path


def _signed_in_client(env: dict[str, str], timeout: float) -> httpx.Client:
    from portal.settings import PortalSettings

    base = env["LEDGERLOOP_PORTAL_URL"]
    client = httpx.Client(base_url=base, timeout=timeout)
    token = mint_staff(PortalSettings.from_env(env), "collector", AVERY)
    assert client.get(f"/c/{token}").status_code == 200
    return client


def test_healthz_answers_at_once_while_a_drafts_page_of_thousands_is_served(busy_home):
    with serving_portal(busy_home) as env:
        pages: list[float] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def load_drafts() -> None:
            try:
                client = _signed_in_client(env, timeout=5)
                while not stop.is_set():
                    started = time.perf_counter()
                    response = client.get("/workbench/drafts")
                    assert response.status_code == 200
                    assert "3,000 reminders to your accounts wait for your approval" in response.text
                    pages.append(time.perf_counter() - started)
                client.close()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        loader = threading.Thread(target=load_drafts)
        loader.start()
        health: list[float] = []
        try:
            with httpx.Client(base_url=env["LEDGERLOOP_PORTAL_URL"], timeout=2) as probe:
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline and not errors:
                    started = time.perf_counter()
                    assert probe.get("/healthz").status_code == 200
                    health.append(time.perf_counter() - started)
                    time.sleep(0.02)
        finally:
            stop.set()
            loader.join(timeout=10)
        assert not errors, errors[0]
        assert len(pages) >= 4, f"only {len(pages)} drafts pages in 3 s"
        assert statistics.median(pages) < 0.5, f"drafts page took {statistics.median(pages):.3f} s"
        # On the event loop the page held /healthz for ~10 s; off it, a busy 2-core machine still
    # shows the odd scheduling hiccup, so the bound is on the 90th percentile and the worst case.
    p90 = sorted(health)[int(len(health) * 0.9)]
    assert p90 < 0.1, f"/healthz took {p90:.3f} s (90th percentile) while drafts were served"
    assert max(health) < 1.0, f"/healthz took up to {max(health):.3f} s while drafts were served"


# Handlers that may run on the event loop: they touch neither the store nor a file.
ON_THE_LOOP = {"/": "the director's front door: a redirect to /jobs"}


def test_no_handler_or_guard_reads_the_store_or_files_on_the_event_loop(portal_settings):
    from litestar.utils.sync import AsyncCallable

    from portal.app import create_app

    app = create_app(portal_settings)
    checked = 0
    for route in app.routes:
        if route.path.startswith("/static"):
            continue  # Litestar's static files are read asynchronously
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name == "options_handler":
                continue  # Litestar's own OPTIONS answers touch nothing
            checked += 1
            where = f"{route.path} ({handler.handler_name})"
            in_a_thread = isinstance(handler.fn, AsyncCallable)  # how Litestar wraps sync_to_thread
            assert in_a_thread or route.path in ON_THE_LOOP, f"{where} runs on the event loop"
            for guard in handler.resolve_guards():
                assert isinstance(guard, AsyncCallable), f"{where}: guard {guard} runs on the event loop"
    assert checked >= 25
