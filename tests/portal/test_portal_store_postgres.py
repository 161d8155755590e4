"""The portal store on a real PostgreSQL server: schema, atomic publishing, the inbox and its watermark."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from litestar.testing import TestClient
from sqlalchemy import insert, inspect

from portal.app import create_app
from portal.store import (
    audit_log,
    connect,
    director_jobs,
    director_updates,
    link_versions,
    schema,
)
from portal.store.inbox import SubmissionConflict
from portal.store.schema import SCHEMA_VERSION, SchemaTooNew
from portal.store.tables import metadata, schema_version
from tests.portal.portal_factories import (
    DANA,
    ERIN,
    STATUSES,
    form_fields,
    job,
    new_update,
    settings_for,
    sign_in,
)
from tests.portal.postgres_server import PostgresServer, postgres_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_server():
    yield from postgres_server()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    return pg_server.new_database()


@pytest.fixture
def pg_store(pg_url):
    opened = connect(pg_url)
    yield opened
    opened.close()


def _run_threads(target, args_list) -> list[BaseException]:
    """Run `target` once per argument tuple in parallel threads; return what they raised."""
    errors: list[BaseException] = []

    def guarded(*args) -> None:
        try:
            target(*args)
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_postgres_store_creates_every_table_and_records_its_schema_version(pg_store, pg_url):
    assert pg_store.engine.dialect.name == "postgresql"
    assert set(inspect(pg_store.engine).get_table_names()) == set(metadata.tables)
    assert schema.recorded_version(pg_store) == SCHEMA_VERSION
    assert schema.create_schema(pg_store) == SCHEMA_VERSION  # idempotent
    reopened = connect(pg_url)
    assert schema.recorded_version(reopened) == SCHEMA_VERSION
    reopened.close()


def test_postgres_store_refuses_a_schema_from_a_newer_portal(pg_store, pg_url):
    with pg_store.engine.begin() as conn:
        conn.execute(
            insert(schema_version).values(version=SCHEMA_VERSION + 1, applied_at=dt.datetime.now(dt.UTC))
        )
    with pytest.raises(SchemaTooNew, match="newer than this portal"):
        connect(pg_url)


def test_postgres_publish_jobs_keeps_money_dates_and_text_exact(pg_store):
    published = job(
        amount=Decimal("9999999999999999.99"),
        balance=Decimal("0.10"),
        question=None,
        account_name="Müller & Søn, “Ltd”",
        last_answer="Paid on 1st",
        last_answer_at=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
    )
    director_jobs.publish(pg_store, [published], STATUSES)
    [saved] = director_jobs.for_director(pg_store, DANA)
    assert saved == published
    assert (str(saved.amount), str(saved.balance)) == ("9999999999999999.99", "0.10")
    assert director_jobs.status_choices(pg_store) == STATUSES


def test_postgres_publish_jobs_failure_leaves_the_old_set(pg_store):
    director_jobs.publish(pg_store, [job("a|1")], STATUSES)
    with pytest.raises(Exception, match="duplicate key"):  # noqa: B017 - psycopg's UniqueViolation, wrapped
        director_jobs.publish(pg_store, [job("a|2"), job("a|2")], ["Other"])
    assert [j.invoice_key for j in director_jobs.for_director(pg_store, DANA)] == ["a|1"]
    assert director_jobs.status_choices(pg_store) == STATUSES


def test_postgres_concurrent_reader_never_sees_a_half_published_set(pg_url):
    """A writer alternates two generations of 400 jobs; a reader on its own connection checks each read."""
    writer, reader = connect(pg_url), connect(pg_url)
    size = 400
    generations = [[job(f"k|{i}", stage=f"gen-{g}") for i in range(size)] for g in (1, 2)]
    director_jobs.publish(writer, generations[0], STATUSES)
    done = threading.Event()
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            for round_ in range(20):
                director_jobs.publish(writer, generations[round_ % 2], STATUSES)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=publish)
    thread.start()
    stages_seen: set[str] = set()
    reads = 0
    while not done.is_set() or reads < 5:
        seen = director_jobs.for_director(reader, DANA)
        stages = {j.stage for j in seen}
        assert len(seen) == size and len(stages) == 1, f"half a set: {len(seen)} jobs, stages {stages}"
        stages_seen |= stages
        reads += 1
    thread.join()
    assert not errors
    assert stages_seen == {"gen-1", "gen-2"}, "the reader never overlapped a publish"
    writer.close()
    reader.close()


def test_postgres_jobs_for_is_scoped_to_the_director(pg_store):
    director_jobs.publish(
        pg_store,
        [job("a|1", "Dana@Example.COM"), job("a|2", DANA, days_past_due=90), job("b|1", ERIN)], STATUSES
    )
    jobs = director_jobs.for_director(pg_store, " dana@example.com")
    assert [j.invoice_key for j in jobs] == ["a|2", "a|1"]
    assert [j.invoice_key for j in director_jobs.for_director(pg_store, ERIN)] == ["b|1"]
    assert director_jobs.for_director(pg_store, "nobody@example.com") == []
    assert [j.director_email for j in director_jobs.for_director(pg_store, ERIN)] == [ERIN]


def test_postgres_record_update_is_idempotent_on_submission_id_from_several_threads(pg_url):
    stores = [connect(pg_url) for _ in range(4)]
    submissions = [f"{n:032x}" for n in range(40)]
    returned: list[dict[str, int]] = [{} for _ in stores]

    def submit(index: int) -> None:
        for submission in submissions:
            returned[index][submission] = director_updates.record(stores[index], new_update(submission))

    assert _run_threads(submit, [(i,) for i in range(len(stores))]) == []
    saved = director_updates.after(stores[0], 0, 1000)
    assert sorted(u.submission_id for u in saved) == submissions
    by_submission = {u.submission_id: u.update_id for u in saved}
    assert all(ids == by_submission for ids in returned), "a repeat got an id other than the first"
    with pytest.raises(SubmissionConflict, match="already used"):
        director_updates.record(stores[0], new_update(submissions[0], invoice_key="other|1"))
    for store in stores:
        store.close()


def test_postgres_record_update_keeps_every_field_in_utc(pg_store):
    paris = dt.timezone(dt.timedelta(hours=1))
    submitted = new_update(
        "b" * 32,
        dispute_reason="Wrong rate",
        promised_amount=Decimal("1000.05"),
        submitted_at=dt.datetime(2026, 11, 23, 13, 0, tzinfo=paris),
    )
    update_id = director_updates.record(pg_store, submitted)
    [saved] = director_updates.after(pg_store, 0, 1)
    assert saved.update_id == update_id
    assert {k: v for k, v in vars(saved).items() if k != "update_id"} == vars(submitted)
    assert saved.submitted_at.tzinfo == dt.UTC and saved.submitted_at.hour == 12
    assert str(saved.promised_amount) == "1000.05"
    assert director_updates.get(pg_store, DANA, update_id) == saved
    assert director_updates.get(pg_store, ERIN, update_id) is None


def test_postgres_updates_after_orders_by_id_and_honours_watermark_and_limit(pg_store):
    ids = [director_updates.record(pg_store, new_update(f"{n:032x}", note=f"n{n}")) for n in range(7)]
    assert ids == sorted(ids) and len(set(ids)) == 7
    assert [u.note for u in director_updates.after(pg_store, 0, 3)] == ["n0", "n1", "n2"]
    assert [u.note for u in director_updates.after(pg_store, ids[2], 3)] == ["n3", "n4", "n5"]
    assert [u.note for u in director_updates.after(pg_store, ids[5], 100)] == ["n6"]
    assert director_updates.after(pg_store, ids[-1], 100) == []
    assert director_updates.after(pg_store, 2**40, 100) == []  # BIGINT ids
    assert director_updates.get(pg_store, DANA, 2**62) is None


def test_postgres_watermark_reader_never_skips_an_update_committed_by_concurrent_writers(pg_url):
    """Four writers insert while a reader advances a watermark: ids must become visible in id order."""
    writers = [connect(pg_url) for _ in range(4)]
    reader = connect(pg_url)
    per_writer = 40
    finished = threading.Event()
    ingested: list[int] = []

    def write(index: int) -> None:
        for n in range(per_writer):
            director_updates.record(writers[index], new_update(f"{index:02d}{n:030x}"))

    def read() -> None:
        watermark = 0
        while True:
            last_pass = finished.is_set()
            batch = director_updates.after(reader, watermark, 7)
            ingested.extend(u.update_id for u in batch)
            if batch:
                watermark = batch[-1].update_id
            elif last_pass:
                return

    reader_thread = threading.Thread(target=read)
    reader_thread.start()
    errors = _run_threads(write, [(i,) for i in range(len(writers))])
    finished.set()
    reader_thread.join()
    assert errors == []
    stored = [u.update_id for u in director_updates.after(reader, 0, 10_000)]
    assert len(stored) == len(writers) * per_writer
    assert ingested == stored, f"the watermark skipped {sorted(set(stored) - set(ingested))}"
    for store in [*writers, reader]:
        store.close()


def test_postgres_revoke_bumps_the_link_version(pg_store):
    assert link_versions.current(pg_store, DANA) == 1
    assert link_versions.revoke(pg_store, DANA) == 2
    assert link_versions.revoke(pg_store, "DANA@example.com") == 3
    assert link_versions.current(pg_store, DANA) == 3
    assert link_versions.current(pg_store, ERIN) == 1


def test_postgres_audit_keeps_entries_in_order_with_json_detail(pg_store):
    audit_log.record(pg_store, "ops@example.com", "link_minted", DANA, {"version": 1})
    audit_log.record(pg_store, "ops@example.com", "link_revoked", DANA, "by request")
    entries = audit_log.entries(pg_store)
    assert [(e.action, e.detail) for e in entries] == [
        ("link_minted", '{"version": 1}'),
        ("link_revoked", "by request"),
    ]
    assert all(e.at.tzinfo == dt.UTC for e in entries)
    assert [e.action for e in audit_log.entries(pg_store, "link_revoked")] == ["link_revoked"]


def test_postgres_portal_pages_submit_and_confirm_an_update(tmp_path, pg_url):
    settings = replace(settings_for(tmp_path), db_url=pg_url)
    store = connect(pg_url)
    jobs = [job("new-york|123", DANA), job("boston|789", ERIN, account_name="Secret")]
    director_jobs.publish(store, jobs, STATUSES)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        sign_in(client, settings, DANA)
        page = client.get("/jobs")
        assert page.status_code == 200 and "INV-123" in page.text and "Secret" not in page.text
        data = form_fields(page.text, "INV-123")
        data.update(status="Will pay", note="Paid Friday", promised_amount="1,000.50")
        response = client.post("/updates", data=data, follow_redirects=False)
        assert response.status_code == 303
        confirmation = client.get(response.headers["location"])
        assert "Paid Friday" in confirmation.text and "USD 1,000.50" in confirmation.text
        assert client.get(f"/updates/{'9' * 30}").status_code == 404
        assert client.get(f"/updates/{2**40}").status_code == 404
    [saved] = director_updates.after(store, 0, 10)
    assert (saved.invoice_key, str(saved.promised_amount)) == ("new-york|123", "1000.50")
    store.close()
