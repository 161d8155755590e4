"""Director answers are never skipped in silence when the portal store is replaced."""

import datetime as dt

import pytest

from orchestration.defs.ingest.director_updates import (
    LOOKBACK_IDS,
    PortalStoreReplaced,
    load_director_updates,
)
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import director_updates
from tests.portal.portal_factories import new_update

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    return tmp_path


def post(home, *submission_ids: str) -> None:
    with open_store(home) as store:
        for submission_id in submission_ids:
            director_updates.record(store, new_update(submission_id))


def ingest(home) -> dict:
    with open_store(home) as store, connect(home / "warehouse.duckdb") as con:
        return load_director_updates(con, store, NOW)


def test_portal_updates_refuse_a_replaced_store_instead_of_skipping_its_answers(home):
    post(home, "a" * 32, "b" * 32, "c" * 32)
    assert ingest(home)["updates_loaded"] == 3
    (home / "portal.sqlite3").unlink()  # e.g. a fresh store, or the move to PostgreSQL
    post(home, "d" * 32, "e" * 32)  # ids 1 and 2 again
    with pytest.raises(PortalStoreReplaced, match=r"id 1: loaded a{32}, store has d{32}"):
        ingest(home)
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        count = con.execute("select count(*) from raw.director_updates").fetchall()[0][0]
    assert count == 3


def test_portal_updates_refuse_a_replaced_store_whose_ids_are_all_below_the_lookback(home):
    with open_store(home) as store:
        for n in range(LOOKBACK_IDS + 5):
            director_updates.record(store, new_update(f"{n:032x}"))
    ingest(home)
    (home / "portal.sqlite3").unlink()
    post(home, "d" * 32)
    with pytest.raises(PortalStoreReplaced, match=r"id 1: loaded 0{32}, store has d{32}"):
        ingest(home)


def test_portal_updates_accept_the_same_store_on_the_next_run(home):
    post(home, "a" * 32)
    ingest(home)
    post(home, "b" * 32)
    assert ingest(home)["updates_loaded"] == 1
