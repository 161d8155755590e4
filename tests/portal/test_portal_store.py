"""The portal store: atomic publishing, the idempotent inbox, link versions, WAL mode."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal

import pytest
from sqlalchemy import insert

from portal.store import (
    SCHEMA_VERSION,
    PortalStore,
    SchemaTooNew,
    SubmissionConflict,
    _ensure_wal,
    schema_version,
)
from tests.portal.portal_factories import DANA, ERIN, STATUSES, job, new_update


@pytest.fixture
def store(tmp_path):
    opened = PortalStore.from_url(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    yield opened
    opened.close()


def test_store_uses_wal_mode_and_a_busy_timeout(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_store_records_its_schema_version(store):
    assert store.schema_version() == SCHEMA_VERSION
    assert store.create_schema() == SCHEMA_VERSION  # idempotent


def test_store_refuses_a_schema_from_a_newer_portal(store, tmp_path):
    with store.engine.begin() as conn:
        conn.execute(
            insert(schema_version).values(version=SCHEMA_VERSION + 1, applied_at=dt.datetime.now(dt.UTC))
        )
    with pytest.raises(SchemaTooNew, match="newer than this portal"):
        PortalStore.from_url(f"sqlite:///{tmp_path / 'portal.sqlite3'}")


def test_publish_jobs_keeps_money_dates_and_text_exact(store):
    published = job(
        amount=Decimal("9999999999999999.99"),
        balance=Decimal("0.10"),
        question=None,
        last_answer="Paid on 1st",
        last_answer_at=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
    )
    store.publish_jobs([published], STATUSES)
    assert store.jobs_for(DANA) == [published]


def test_publish_jobs_refuses_float_money(store):
    with pytest.raises(TypeError, match="job 'new-york|123': amount must be a Decimal, got float"):
        store.publish_jobs([job(amount=12.5)], STATUSES)


def test_publish_jobs_replaces_the_whole_set_and_the_choices(store):
    store.publish_jobs([job("a|1"), job("a|2", ERIN)], STATUSES)
    store.publish_jobs([job("a|3")], ["Paid", "Disputed"])
    assert [j.invoice_key for j in store.jobs_for(DANA)] == ["a|3"]
    assert store.jobs_for(ERIN) == []
    assert store.status_choices() == ["Paid", "Disputed"]


def test_publish_jobs_failure_leaves_the_old_set(store):
    store.publish_jobs([job("a|1")], STATUSES)
    with pytest.raises(Exception):  # noqa: B017 - a duplicate primary key, whatever the driver calls it
        store.publish_jobs([job("a|2"), job("a|2")], ["Other"])
    assert [j.invoice_key for j in store.jobs_for(DANA)] == ["a|1"]
    assert store.status_choices() == STATUSES


def test_publish_jobs_needs_status_choices(store):
    with pytest.raises(ValueError, match="status_choices must not be empty"):
        store.publish_jobs([job()], [])


def test_jobs_and_director_emails_compare_case_insensitively(store):
    store.publish_jobs([job(director_email="Dana@Example.COM")], STATUSES)
    assert len(store.jobs_for(" dana@example.com")) == 1
    assert store.jobs_for("nope@example.com") == []


def test_concurrent_reader_never_sees_a_half_published_set(tmp_path):
    """A writer alternates two generations of 400 jobs; a reader on its own connection checks each read."""
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    writer, reader = PortalStore.from_url(url), PortalStore.from_url(url)
    size = 400
    generations = [[job(f"k|{i}", stage=f"gen-{g}") for i in range(size)] for g in (1, 2)]
    writer.publish_jobs(generations[0], STATUSES)
    done = threading.Event()
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            for round_ in range(30):
                writer.publish_jobs(generations[round_ % 2], STATUSES)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=publish)
    thread.start()
    reads = 0
    while not done.is_set() or reads < 5:
        seen = reader.jobs_for(DANA)
        stages = {j.stage for j in seen}
        assert len(seen) == size and len(stages) == 1, f"half a set: {len(seen)} jobs, stages {stages}"
        reads += 1
    thread.join()
    assert not errors
    writer.close()
    reader.close()


def test_record_update_is_idempotent_on_submission_id(store):
    first = store.record_update(new_update("a" * 32))
    again = store.record_update(new_update("a" * 32, note="second click"))
    assert first == again
    assert [u.note for u in store.updates_after(0, 10)] == ["Client pays Friday"]


def test_record_update_refuses_a_submission_id_reused_for_another_invoice(store):
    store.record_update(new_update("a" * 32))
    with pytest.raises(SubmissionConflict, match="already used"):
        store.record_update(new_update("a" * 32, invoice_key="other|1"))
    with pytest.raises(SubmissionConflict):
        store.record_update(new_update("a" * 32, director_email=ERIN))


def test_record_update_keeps_every_field(store):
    submitted = new_update("b" * 32, dispute_reason="Wrong rate", blocker=None, promised_amount=None)
    update_id = store.record_update(submitted)
    [saved] = store.updates_after(0, 1)
    assert saved.update_id == update_id
    assert {k: v for k, v in vars(saved).items() if k != "update_id"} == vars(submitted)


def test_record_update_refuses_naive_timestamps(store):
    with pytest.raises(Exception, match="timezone-aware"):  # noqa: B017 - wrapped by SQLAlchemy
        store.record_update(new_update("c" * 32, submitted_at=dt.datetime(2026, 11, 23, 12, 0)))


def test_updates_after_orders_by_id_and_honours_watermark_and_limit(store):
    ids = [store.record_update(new_update(f"{n:032x}", note=f"n{n}")) for n in range(7)]
    assert ids == sorted(ids) and len(set(ids)) == 7
    assert [u.note for u in store.updates_after(0, 3)] == ["n0", "n1", "n2"]
    assert [u.note for u in store.updates_after(ids[2], 3)] == ["n3", "n4", "n5"]
    assert [u.note for u in store.updates_after(ids[5], 100)] == ["n6"]
    assert store.updates_after(ids[-1], 100) == []


def test_concurrent_record_update_stores_each_submission_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    stores = [PortalStore.from_url(url) for _ in range(4)]
    submissions = [f"{n:032x}" for n in range(50)]

    def submit(store: PortalStore) -> None:
        for submission in submissions:
            store.record_update(new_update(submission))

    threads = [threading.Thread(target=submit, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = stores[0].updates_after(0, 1000)
    assert sorted(u.submission_id for u in saved) == submissions
    for store in stores:
        store.close()


def test_update_is_only_visible_to_its_director(store):
    update_id = store.record_update(new_update("d" * 32))
    assert store.update(DANA, update_id).update_id == update_id
    assert store.update(ERIN, update_id) is None


def test_revoke_bumps_the_link_version(store):
    assert store.link_version(DANA) == 1
    assert store.revoke(DANA) == 2
    assert store.revoke("DANA@example.com") == 3
    assert store.link_version(DANA) == 3
    assert store.link_version(ERIN) == 1


def test_audit_keeps_entries_in_order_with_json_detail(store):
    store.audit("ops@example.com", "link_minted", DANA, {"version": 1})
    store.audit("ops@example.com", "link_revoked", DANA, "by request")
    entries = store.audit_entries()
    assert [(e.action, e.detail) for e in entries] == [
        ("link_minted", '{"version": 1}'),
        ("link_revoked", "by request"),
    ]
    assert [e.action for e in store.audit_entries("link_revoked")] == ["link_revoked"]


def test_store_sqlite_file_is_created_readable_by_its_owner_only(tmp_path):
    store = PortalStore.from_url(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    store.publish_jobs([job()], STATUSES)
    store.close()
    for path in tmp_path.glob("portal.sqlite3*"):
        assert path.stat().st_mode & 0o077 == 0, path


class _LockedTwiceCursor:
    """A cursor that answers "database is locked" twice, as SQLite does without calling the busy
    handler while another process closes the last connection and removes the WAL."""

    def __init__(self):
        self.failures = 2
        self.statements = []

    def execute(self, sql):
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database is locked")
        self.statements.append(sql)
        return self

    def fetchone(self):
        return ("delete",)


def test_switching_to_wal_retries_a_lock_that_skips_the_busy_handler():
    cursor = _LockedTwiceCursor()
    _ensure_wal(cursor)
    assert cursor.statements == ["PRAGMA journal_mode", "PRAGMA journal_mode=WAL"]
