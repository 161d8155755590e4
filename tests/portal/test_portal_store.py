"""The portal store: atomic publishing, the idempotent inbox, link versions, WAL mode."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal

import pytest
from sqlalchemy import insert

from portal.store import (
    PortalStore,
    audit_log,
    connect,
    director_jobs,
    director_updates,
    link_versions,
    schema,
)
from portal.store.connection import _ensure_wal
from portal.store.inbox import SubmissionConflict
from portal.store.schema import SCHEMA_VERSION, SchemaTooNew
from portal.store.tables import schema_version
from tests.portal.portal_factories import DANA, ERIN, STATUSES, job, new_update


@pytest.fixture
def store(tmp_path):
    opened = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    yield opened
    opened.close()


def test_store_uses_wal_mode_and_a_busy_timeout(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_store_records_its_schema_version(store):
    assert schema.recorded_version(store) == SCHEMA_VERSION
    assert schema.create_schema(store) == SCHEMA_VERSION  # idempotent


def test_store_refuses_a_schema_from_a_newer_portal(store, tmp_path):
    with store.engine.begin() as conn:
        conn.execute(
            insert(schema_version).values(version=SCHEMA_VERSION + 1, applied_at=dt.datetime.now(dt.UTC))
        )
    with pytest.raises(SchemaTooNew, match="newer than this portal"):
        connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")


def test_publish_jobs_keeps_money_dates_and_text_exact(store):
    published = job(
        amount=Decimal("9999999999999999.99"),
        balance=Decimal("0.10"),
        question=None,
        last_answer="Paid on 1st",
        last_answer_at=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
    )
    director_jobs.publish(store, [published], STATUSES)
    assert director_jobs.for_director(store, DANA) == [published]


def test_publish_jobs_refuses_float_money(store):
    with pytest.raises(TypeError, match="job 'new-york|123': amount must be a Decimal, got float"):
        director_jobs.publish(store, [job(amount=12.5)], STATUSES)


def test_publish_jobs_replaces_the_whole_set_and_the_choices(store):
    director_jobs.publish(store, [job("a|1"), job("a|2", ERIN)], STATUSES)
    director_jobs.publish(store, [job("a|3")], ["Paid", "Disputed"])
    assert [j.invoice_key for j in director_jobs.for_director(store, DANA)] == ["a|3"]
    assert director_jobs.for_director(store, ERIN) == []
    assert director_jobs.status_choices(store) == ["Paid", "Disputed"]


def test_publish_jobs_failure_leaves_the_old_set(store):
    director_jobs.publish(store, [job("a|1")], STATUSES)
    with pytest.raises(Exception):  # noqa: B017 - a duplicate primary key, whatever the driver calls it
        director_jobs.publish(store, [job("a|2"), job("a|2")], ["Other"])
    assert [j.invoice_key for j in director_jobs.for_director(store, DANA)] == ["a|1"]
    assert director_jobs.status_choices(store) == STATUSES


def test_publish_jobs_needs_status_choices(store):
    with pytest.raises(ValueError, match="status_choices must not be empty"):
        director_jobs.publish(store, [job()], [])


def test_jobs_and_director_emails_compare_case_insensitively(store):
    director_jobs.publish(store, [job(director_email="Dana@Example.COM")], STATUSES)
    assert len(director_jobs.for_director(store, " dana@example.com")) == 1
    assert director_jobs.for_director(store, "nope@example.com") == []


def test_concurrent_reader_never_sees_a_half_published_set(tmp_path):
    """A writer alternates two generations of 400 jobs; a reader on its own connection checks each read."""
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    writer, reader = connect(url), connect(url)
    size = 400
    generations = [[job(f"k|{i}", stage=f"gen-{g}") for i in range(size)] for g in (1, 2)]
    director_jobs.publish(writer, generations[0], STATUSES)
    done = threading.Event()
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            for round_ in range(30):
                director_jobs.publish(writer, generations[round_ % 2], STATUSES)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=publish)
    thread.start()
    reads = 0
    while not done.is_set() or reads < 5:
        seen = director_jobs.for_director(reader, DANA)
        stages = {j.stage for j in seen}
        assert len(seen) == size and len(stages) == 1, f"half a set: {len(seen)} jobs, stages {stages}"
        reads += 1
    thread.join()
    assert not errors
    writer.close()
    reader.close()


def test_record_update_is_idempotent_on_submission_id(store):
    first = director_updates.record(store, new_update("a" * 32))
    again = director_updates.record(store, new_update("a" * 32, note="second click"))
    assert first == again
    assert [u.note for u in director_updates.after(store, 0, 10)] == ["Client pays Friday"]


def test_record_update_refuses_a_submission_id_reused_for_another_invoice(store):
    director_updates.record(store, new_update("a" * 32))
    with pytest.raises(SubmissionConflict, match="already used"):
        director_updates.record(store, new_update("a" * 32, invoice_key="other|1"))
    with pytest.raises(SubmissionConflict):
        director_updates.record(store, new_update("a" * 32, director_email=ERIN))


def test_record_update_keeps_every_field(store):
    submitted = new_update("b" * 32, dispute_reason="Wrong rate", blocker=None, promised_amount=None)
    update_id = director_updates.record(store, submitted)
    [saved] = director_updates.after(store, 0, 1)
    assert saved.update_id == update_id
    assert {k: v for k, v in vars(saved).items() if k != "update_id"} == vars(submitted)


def test_record_update_refuses_naive_timestamps(store):
    with pytest.raises(Exception, match="timezone-aware"):  # noqa: B017 - wrapped by SQLAlchemy
        director_updates.record(store, new_update("c" * 32, submitted_at=dt.datetime(2026, 11, 23, 12, 0)))


def test_updates_after_orders_by_id_and_honours_watermark_and_limit(store):
    ids = [director_updates.record(store, new_update(f"{n:032x}", note=f"n{n}")) for n in range(7)]
    assert ids == sorted(ids) and len(set(ids)) == 7
    assert [u.note for u in director_updates.after(store, 0, 3)] == ["n0", "n1", "n2"]
    assert [u.note for u in director_updates.after(store, ids[2], 3)] == ["n3", "n4", "n5"]
    assert [u.note for u in director_updates.after(store, ids[5], 100)] == ["n6"]
    assert director_updates.after(store, ids[-1], 100) == []


def test_concurrent_record_update_stores_each_submission_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    stores = [connect(url) for _ in range(4)]
    submissions = [f"{n:032x}" for n in range(50)]

    def submit(store: PortalStore) -> None:
        for submission in submissions:
            director_updates.record(store, new_update(submission))

    threads = [threading.Thread(target=submit, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = director_updates.after(stores[0], 0, 1000)
    assert sorted(u.submission_id for u in saved) == submissions
    for store in stores:
        store.close()


def test_update_is_only_visible_to_its_director(store):
    update_id = director_updates.record(store, new_update("d" * 32))
    assert director_updates.get(store, DANA, update_id).update_id == update_id
    assert director_updates.get(store, ERIN, update_id) is None


def test_revoke_bumps_the_link_version(store):
    assert link_versions.current(store, DANA) == 1
    assert link_versions.revoke(store, DANA) == 2
    assert link_versions.revoke(store, "DANA@example.com") == 3
    assert link_versions.current(store, DANA) == 3
    assert link_versions.current(store, ERIN) == 1


def test_audit_keeps_entries_in_order_with_json_detail(store):
    audit_log.record(store, "ops@example.com", "link_minted", DANA, {"version": 1})
    audit_log.record(store, "ops@example.com", "link_revoked", DANA, "by request")
    entries = audit_log.entries(store)
    assert [(e.action, e.detail) for e in entries] == [
        ("link_minted", '{"version": 1}'),
        ("link_revoked", "by request"),
    ]
    assert [e.action for e in audit_log.entries(store, "link_revoked")] == ["link_revoked"]


def test_audit_recorder_is_the_callable_the_outbox_and_dunning_take(store):
    # (actor, action, subject, detail, account_id=...): what notifications' AccountAudit calls.
    audit = audit_log.recorder(store)
    audit("kim", "dunning.approved", "dunning:2026-11-23/acme", {"step": "reminder"}, account_id="ACC-1")
    audit("kim", "email.sent", "2026-11-23/dana")
    assert [(e.actor, e.subject, e.detail, e.account_id) for e in audit_log.entries(store)] == [
        ("kim", "dunning:2026-11-23/acme", '{"step": "reminder"}', "ACC-1"),
        ("kim", "2026-11-23/dana", "", None),
    ]
    assert [e.action for e in audit_log.entries(store, account_id="ACC-1")] == ["dunning.approved"]


def test_store_sqlite_file_is_created_readable_by_its_owner_only(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    director_jobs.publish(store, [job()], STATUSES)
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
