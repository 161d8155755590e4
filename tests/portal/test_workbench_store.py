"""The store's workbench side: migration from schemas 1 and 2, atomic publishing of the read
models, the idempotent entry inbox, open disputes and the audit trail by account and actor (on
SQLite, and on a real PostgreSQL server where one is installed)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, text

from portal.store import (
    account_events,
    audit_log,
    collector_entries,
    connect,
    director_jobs,
    director_updates,
    schema,
    team,
    workbench,
    worklists,
)
from portal.store.collector_entries import NewEntry
from portal.store.inbox import SubmissionConflict
from portal.store.schema import SCHEMA_VERSION
from portal.store.tables import metadata
from tests.portal.portal_factories import DANA, STATUSES, job, new_update
from tests.portal.postgres_server import find_bindir, postgres_server
from tests.portal.workbench_factories import AVERY, EVENTS, HARRIET, ITEMS, MEMBERS, WORKLOAD, item, publish

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
V1_TABLES = ("schema_version", "director_jobs", "director_updates", "director_links", "form_choices")
# The audit log as schema version 1 created it (before contract C5's account_id).
V1_AUDIT_LOG = """
CREATE TABLE audit_log (
    audit_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL,
    actor VARCHAR(320) NOT NULL,
    action VARCHAR(100) NOT NULL,
    subject VARCHAR(400) NOT NULL,
    detail TEXT NOT NULL
)
"""


def new_entry(n: int, kind: str = "note", account_id: str = "ACC-1", **changes) -> NewEntry:
    values = dict(
        submission_id=f"{n:032x}",
        collector_email=AVERY,
        collector="Avery Brooks",
        kind=kind,
        account_id=account_id,
        invoice_key=None,
        note=f"note {n}",
        call_outcome=None,
        currency=None,
        promised_amount=None,
        promised_date=None,
        dispute_reason=None,
        dispute_evidence=None,
        dispute_deadline=None,
        resolution=None,
        plan_installments=None,
        submitted_at=NOW + dt.timedelta(minutes=n),
    )
    values.update(changes)
    return NewEntry(**values)


@pytest.fixture
def store(tmp_path):
    opened = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    yield opened
    opened.close()


def _make_v1_store(url: str) -> None:
    """A store exactly as the version-1 portal left it, with an update and an audit line."""
    engine = create_engine(url)
    v1 = MetaData()
    for name in V1_TABLES:
        metadata.tables[name].to_metadata(v1)
    with engine.begin() as conn:
        v1.create_all(conn)
        conn.exec_driver_sql(V1_AUDIT_LOG)
        conn.execute(text("insert into schema_version values (1, '2026-11-01 00:00:00')"))
        conn.execute(
            text(
                "insert into audit_log (at, actor, action, subject, detail) "
                "values ('2026-11-01 00:00:00', 'cli:ops', 'link_minted', 'dana@example.com', '{}')"
            )
        )
    engine.dispose()
    store = connect(url, create=False)
    director_updates.record(store, new_update("a" * 32))
    store.close()


def test_store_migrates_a_version_1_store_in_place_keeping_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    _make_v1_store(url)
    store = connect(url)
    try:
        assert schema.recorded_version(store) == SCHEMA_VERSION == 6
        assert set(inspect(store.engine).get_table_names()) == set(metadata.tables)
        [old] = audit_log.entries(store)
        assert (old.action, old.account_id) == ("link_minted", None)
        assert [u.submission_id for u in director_updates.after(store, 0, 10)] == ["a" * 32]
        audit_log.record(store, "cli:ops", "note", "x", account_id="ACC-1")
        assert [e.subject for e in audit_log.entries(store, account_id="ACC-1")] == ["x"]
        indexes = {i["name"] for i in inspect(store.engine).get_indexes("audit_log")}
        assert {"ix_audit_log_account_id", "ix_audit_log_actor"} <= indexes
        assert collector_entries.record(store, new_entry(1)) == 1
        assert schema.create_schema(store) == SCHEMA_VERSION  # a second open changes nothing
    finally:
        store.close()



def test_store_migrates_a_version_4_store_keeping_its_entries_and_taking_promises_over_invoices(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(text("alter table collector_entries drop column invoice_keys"))  # as version 4 made it
        conn.execute(text("insert into schema_version values (4, '2026-11-01 00:00:00')"))
    engine.dispose()
    store = connect(url)
    try:
        assert schema.recorded_version(store) == SCHEMA_VERSION
        assert "invoice_keys" in {c["name"] for c in inspect(store.engine).get_columns("collector_entries")}
        collector_entries.record(store, new_entry(1, "promise", invoice_key="NYC|1"))
        collector_entries.record(store, new_entry(2, "promise", invoice_keys='["NYC|1", "NYC|2"]'))
        one, two = collector_entries.after(store, 0, 10)
        assert (one.invoice_keys, one.covered_invoices()) == (None, ["NYC|1"])
        assert two.covered_invoices() == ["NYC|1", "NYC|2"]
    finally:
        store.close()


V3_ITEM_COLUMNS = {"reasons", "source_number", "due_date", "notes"}


def test_store_migrates_a_version_2_store_in_place_keeping_its_worklists(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    engine = create_engine(url)
    v2 = MetaData()
    for name, table in metadata.tables.items():
        if name == "collector_items":
            Table(name, v2, *[c._copy() for c in table.columns if c.name not in V3_ITEM_COLUMNS])
        elif name not in ("collector_accounts", "workbench_state"):
            table.to_metadata(v2)
    with engine.begin() as conn:
        v2.create_all(conn)
        conn.execute(text("insert into schema_version values (2, '2026-11-01 00:00:00')"))
        conn.execute(
            text(
                "insert into collector_items (collector, item_key, collector_email, rank, invoice_key, "
                "account_id, drivers) values ('Avery Brooks', 'NYC|101', :email, 1, 'NYC|101', 'ACC-1', '[]')"
            ),
            {"email": AVERY},
        )
    engine.dispose()
    store = connect(url)
    try:
        assert schema.recorded_version(store) == SCHEMA_VERSION
        columns = {c["name"] for c in inspect(store.engine).get_columns("collector_items")}
        assert columns >= V3_ITEM_COLUMNS
        [kept] = worklists.items_for(store, AVERY)
        assert (kept.item_key, kept.reasons, kept.reason_list()) == ("NYC|101", None, [])
        assert worklists.accounts_for(store, AVERY) == [] and worklists.workbench_state(store) is None
        publish(store)
        names = [a.account_name for a in worklists.accounts_for(store, AVERY)]
        assert names == ["Acme Builders", "Bolt & Sons <b>"]
        assert worklists.workbench_state(store).as_of_date == dt.date(2026, 11, 23)
    finally:
        store.close()


def test_publish_workbench_replaces_everything_and_maps_emails_case_insensitively(store):
    publish(store)
    workbench.publish(store, MEMBERS, [replace(ITEMS[0], collector_email="Avery.Brooks@Example.com")], [], [])
    assert [i.item_key for i in worklists.items_for(store, " AVERY.brooks@example.com")] == ["NYC|101"]
    assert worklists.items_for(store, HARRIET) == []
    assert account_events.timeline(store, "ACC-1") == [] and team.workload(store, None) == []
    assert team.member(store, AVERY.upper(), "collector").name == "Avery Brooks"
    assert team.member(store, AVERY, "manager") is None


def test_publish_workbench_keeps_money_dates_and_text_exact(store):
    payment = replace(
        item("Avery Brooks", 4, "payment:p-1", "ACC-1"),
        invoice_key=None,
        payment_id="p-1",
        account_id=None,
        account_name=None,
        invoice_number=None,
        balance=Decimal("9999999999999999.99"),
        days_past_due=None,
        aging_bucket=None,
        due_by=None,
        priority_score=Decimal("0.01"),
        drivers="[]",
        reason="unmatched_payment",
        next_action="Müller & Søn, “Ltd” <b>",
    )
    workbench.publish(store, MEMBERS, [*ITEMS, payment], EVENTS, WORKLOAD)
    assert worklists.items_for(store, AVERY) == [*ITEMS[:3], payment]
    publish(store)
    assert worklists.items_for(store, AVERY) == ITEMS[:3]
    assert account_events.timeline(store, "ACC-1") == list(reversed(EVENTS[:2]))
    assert team.workload(store, None) == sorted(WORKLOAD, key=lambda r: (r.collector, r.currency))
    assert worklists.account_open_balances(store, "ACC-1") == {"USD": Decimal("2000.25")}


def test_publish_workbench_refuses_float_money(store):
    with pytest.raises(TypeError, match="balance must be a Decimal, got float"):
        workbench.publish(store, MEMBERS, [replace(ITEMS[0], balance=12.5)], [], [])


def test_publish_workbench_failure_leaves_the_old_set(store):
    publish(store)
    with pytest.raises(Exception):  # noqa: B017 - a duplicate primary key, whatever the driver calls it
        workbench.publish(store, [], [ITEMS[0], ITEMS[0]], [], [])
    assert worklists.items_for(store, AVERY) == ITEMS[:3]
    assert len(team.members(store, "collector")) == 2 and len(team.workload(store, None)) == 3


def test_concurrent_reader_never_sees_a_half_published_workbench(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    writer, reader = connect(url), connect(url)
    generations = [
        [item("Avery Brooks", n, f"NYC|{n}", f"ACC-{n % 7}", reason=f"gen-{g}") for n in range(1, 301)]
        for g in (1, 2)
    ]
    workbench.publish(writer, MEMBERS, generations[0], [], [])
    done, errors = threading.Event(), []

    def publish_rounds() -> None:
        try:
            for round_ in range(20):
                workbench.publish(writer, MEMBERS, generations[round_ % 2], [], [])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=publish_rounds)
    thread.start()
    reads = 0
    while not done.is_set() or reads < 5:
        seen = worklists.items_for(reader, AVERY)
        assert len(seen) == 300 and len({i.reason for i in seen}) == 1
        reads += 1
    thread.join()
    writer.close()
    reader.close()
    assert errors == []


def test_record_entry_is_idempotent_by_submission_id_and_audited_once(store):
    first = collector_entries.record(
        store,
        new_entry(
            1,
            kind="promise",
            currency="USD",
            promised_amount=Decimal("10.00"),
            promised_date=dt.date(2026, 12, 1),
        )
    )
    assert (
        collector_entries.record(
            store,
            new_entry(
                1,
                kind="promise",
                currency="USD",
                promised_amount=Decimal("10.00"),
                promised_date=dt.date(2026, 12, 1),
            )
        )
        == first
    )
    assert len(collector_entries.after(store, 0, 10)) == 1
    assert [(e.action, e.subject) for e in audit_log.entries(store, actor=AVERY)] == [
        ("collector_entry.promise", str(first))
    ]
    with pytest.raises(SubmissionConflict):
        collector_entries.record(store, new_entry(1, kind="promise", account_id="ACC-2"))


def test_record_entry_refuses_an_unknown_kind(store):
    with pytest.raises(ValueError, match="unknown entry kind 'refund'"):
        collector_entries.record(store, new_entry(1, kind="refund"))


def test_entry_is_only_readable_by_its_collector(store):
    entry_id = collector_entries.record(store, new_entry(1))
    assert collector_entries.get(store, AVERY.upper(), entry_id).note == "note 1"
    assert collector_entries.get(store, HARRIET, entry_id) is None


def test_open_disputes_are_the_unresolved_ones(store):
    for entry in (
        new_entry(1, kind="dispute", invoice_key="NYC|101", dispute_reason="rate"),
        new_entry(2, kind="dispute", invoice_key="NYC|102", dispute_reason="qty"),
        new_entry(3, kind="dispute_resolution", invoice_key="NYC|101", resolution="ok"),
    ):
        collector_entries.record(store, entry)
    assert list(collector_entries.open_disputes(store, "ACC-1")) == ["NYC|102"]
    assert collector_entries.open_disputes(store, "ACC-2") == {}


def test_audit_entries_filter_by_account_and_actor(store):
    audit_log.record(store, AVERY, "a", "1", account_id="ACC-1")
    audit_log.record(store, HARRIET, "a", "2", account_id="ACC-1")
    audit_log.record(store, AVERY, "b", "3", account_id="ACC-2")
    audit_log.record(store, DANA, "c", "4")
    assert [e.subject for e in audit_log.entries(store, account_id="ACC-1")] == ["1", "2"]
    assert [e.subject for e in audit_log.entries(store, actor=AVERY)] == ["1", "3"]
    assert [e.subject for e in audit_log.entries(store, "a", account_id="ACC-1", actor=HARRIET)] == ["2"]
    assert audit_log.entries(store, actor=DANA)[0].account_id is None


# the same on a real PostgreSQL server ---------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_server():
    if find_bindir() is None:
        pytest.skip("no PostgreSQL server binaries")
    yield from postgres_server()


@pytest.mark.integration
def test_postgres_store_migrates_from_version_1_and_serves_the_workbench(pg_server):
    url = pg_server.new_database()
    engine = create_engine(url)
    v1 = MetaData()
    for name in V1_TABLES:
        metadata.tables[name].to_metadata(v1)
    with engine.begin() as conn:
        v1.create_all(conn)
        conn.exec_driver_sql(
            "CREATE TABLE audit_log (audit_id BIGSERIAL PRIMARY KEY, at TIMESTAMP WITH TIME ZONE NOT NULL, "
            "actor VARCHAR(320) NOT NULL, action VARCHAR(100) NOT NULL, subject VARCHAR(400) NOT NULL, "
            "detail TEXT NOT NULL)"
        )
        conn.execute(text("insert into schema_version values (1, now())"))
        conn.execute(
            text(
                "insert into audit_log (at, actor, action, subject, detail) "
                "values (now(), 'cli:ops', 'link_minted', 'x', '{}')"
            )
        )
    engine.dispose()
    store = connect(url)
    try:
        assert schema.recorded_version(store) == SCHEMA_VERSION
        assert audit_log.entries(store)[0].account_id is None
        director_jobs.publish(store, [job()], STATUSES)
        publish(store)
        assert worklists.items_for(store, AVERY) == ITEMS[:3]
        assert account_events.timeline(store, "ACC-1") == list(reversed(EVENTS[:2]))
        first = collector_entries.record(
            store,
            new_entry(
                1,
                kind="plan",
                currency="USD",
                plan_installments='[{"due_on": "2026-12-01", "amount": "1.00"}]',
            )
        )
        assert collector_entries.record(store, new_entry(1, kind="plan", currency="USD")) == first
        assert [e.entry_id for e in collector_entries.after(store, 0, 10)] == [first]
        assert [e.action for e in audit_log.entries(store, account_id="ACC-1")] == ["collector_entry.plan"]
        with pytest.raises(Exception, match="duplicate key"):  # noqa: B017
            workbench.publish(store, [], [ITEMS[0], ITEMS[0]], [], [])
        assert worklists.items_for(store, AVERY) == ITEMS[:3]
    finally:
        store.close()
