"""The store's side of answering once: one answer stored for several invoices at once, the
director's newest answers read back before the pipeline ingests them, the client and contact on
each job, the policy facts the pages need, and the move of a version-2 store to version 4 (the
customer door's tables and `collector_entries.entered_by`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from portal.store import connect, director_jobs, director_updates, schema
from portal.store.inbox import SubmissionConflict
from portal.store.schema import SCHEMA_VERSION
from portal.store.tables import metadata
from tests.portal.portal_factories import DANA, ERIN, STATUSES, job, new_update

V3_COLUMNS = {
    "director_jobs": {"account_id", "contact_name", "contact_email", "contact_phone"},
    "director_updates": {"answer_group"},
    "team_workload": {"team_mean_open_items", "load_ratio"},
}
V4_COLUMNS = {"collector_entries": {"entered_by"}}
V4_TABLES = {"customer_accounts", "customer_contacts", "customer_invoices", "customer_remittances"}


@pytest.fixture
def store(tmp_path):
    opened = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    yield opened
    opened.close()


def _answer(group: str, *keys: str, director: str = DANA, **changes):
    return [
        new_update(f"{group}-{n}", invoice_key=key, director_email=director, answer_group=group, **changes)
        for n, key in enumerate(keys)
    ]


def test_record_answer_stores_one_row_per_invoice_and_a_repeat_nothing_more(store):
    ids = director_updates.record_answer(store, _answer("a" * 32, "nyc|1", "nyc|2"))
    again = _answer("a" * 32, "nyc|1", "nyc|2", note="clicked twice")
    assert ids == director_updates.record_answer(store, again)
    assert [(u.invoice_key, u.note) for u in director_updates.after(store, 0, 10)] == [
        ("nyc|1", "Client pays Friday"),
        ("nyc|2", "Client pays Friday"),
    ]
    assert [u.invoice_key for u in director_updates.answer_rows(store, DANA, ids[1])] == ["nyc|1", "nyc|2"]
    assert director_updates.answer_rows(store, ERIN, ids[0]) == []  # another director never sees it


def test_record_answer_is_all_or_nothing(store):
    director_updates.record(store, new_update("taken-1", invoice_key="nyc|2"))
    with pytest.raises(IntegrityError):  # the second row's submission id is taken: no row stays
        director_updates.record_answer(
            store,
            [
                *_answer("b" * 32, "nyc|1"),
                *[replace(u, submission_id="taken-1") for u in _answer("b" * 32, "nyc|2")],
            ]
        )
    assert [u.submission_id for u in director_updates.after(store, 0, 10)] == ["taken-1"]


def test_record_answer_refuses_a_form_another_director_used(store):
    director_updates.record_answer(store, _answer("c" * 32, "nyc|1", director=ERIN))
    with pytest.raises(SubmissionConflict):
        director_updates.record_answer(store, _answer("c" * 32, "nyc|2"))


def test_answers_are_the_directors_newest_per_invoice(store):
    early = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    director_updates.record(
        store, new_update("d" * 32, invoice_key="nyc|1", status="Disputed", submitted_at=early)
    )
    director_updates.record_answer(store, _answer("e" * 32, "nyc|1", "nyc|2", status="Will pay"))
    director_updates.record(
        store, new_update("f" * 32, invoice_key="nyc|1", director_email=ERIN, status="Blocked")
    )
    answers = director_updates.answers(store, DANA.upper())
    assert {key: a.status for key, a in answers.items()} == {"nyc|1": "Will pay", "nyc|2": "Will pay"}


def test_jobs_carry_their_client_and_contact_and_the_policy_is_published_with_them(store):
    contact = {
        "account_id": "001A",
        "contact_name": "Isla Carter",
        "contact_email": "ap@acme.example",
        "contact_phone": "+1 212 555 8250",
    }
    director_jobs.publish(store, [job(**contact)], STATUSES, {"time_zone": "Europe/London"})
    [saved] = director_jobs.for_director(store, DANA)
    assert {name: getattr(saved, name) for name in contact} == contact
    assert director_jobs.published_policy(store) == {"time_zone": "Europe/London"}
    policy = {"time_zone": "America/New_York", "answer_stands_days": "7"}
    director_jobs.publish(store, [job()], STATUSES, policy)
    assert director_jobs.published_policy(store) == policy
    director_jobs.publish(store, [job()], STATUSES)  # publishing jobs alone keeps the facts
    assert director_jobs.published_policy(store)["answer_stands_days"] == "7"


def _make_v2_store(url: str) -> None:
    """A store as the version-2 portal left it: today's tables without the version-3 columns."""
    engine = create_engine(url)
    v2 = MetaData()
    for name, table in metadata.tables.items():
        if name == "published_policy" or name in V4_TABLES:
            continue
        dropped = V3_COLUMNS.get(name, set()) | V4_COLUMNS.get(name, set())
        Table(name, v2, *[c._copy() for c in table.columns if c.name not in dropped])
    with engine.begin() as conn:
        v2.create_all(conn)
        conn.execute(text("insert into schema_version values (2, '2026-11-01 00:00:00')"))
        conn.execute(
            text(
                "insert into director_updates (submission_id, director_email, invoice_key, status, "
                "submitted_at) values ('old-1', 'dana@example.com', 'nyc|1', 'Will pay', "
                "'2026-11-01 00:00:00')"
            )
        )
    engine.dispose()


def test_store_migrates_a_version_2_store_in_place_keeping_its_answers(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    _make_v2_store(url)
    store = connect(url)
    try:
        assert SCHEMA_VERSION == schema.recorded_version(store) == 6
        assert set(inspect(store.engine).get_table_names()) >= V4_TABLES
        for table, columns in (V3_COLUMNS | V4_COLUMNS).items():
            assert columns <= {c["name"] for c in inspect(store.engine).get_columns(table)}
        assert "ix_director_updates_director" in {
            i["name"] for i in inspect(store.engine).get_indexes("director_updates")
        }
        assert [u.answer_group for u in director_updates.after(store, 0, 10)] == [None]
        assert list(director_updates.answers(store, DANA)) == ["nyc|1"]
        jobs = [job(account_id="001A", contact_name="Isla")]
        director_jobs.publish(store, jobs, STATUSES, {"time_zone": "UTC"})
        assert director_jobs.for_director(store, DANA)[0].contact_name == "Isla"
        assert schema.create_schema(store) == 6  # a second open changes nothing
    finally:
        store.close()
