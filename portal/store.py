"""The portal store: the director read model, the update inbox, link versions and the audit log.

The portal never opens the warehouse (DuckDB allows one writing process and the portal must keep
serving during runs), so it has its own database: SQLite in WAL mode by default, PostgreSQL by
URL. The pipeline publishes `director_jobs` here and ingests `director_updates` from here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    make_url,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from portal.links import normalize_email

SCHEMA_VERSION = 1
SQLITE_BUSY_TIMEOUT_MS = 10_000
FIRST_LINK_VERSION = 1
# Row ids: BIGINT (BIGSERIAL) on PostgreSQL so any id the portal accepts in a URL can be compared;
# plain INTEGER on SQLite, which is already 64-bit and must stay the rowid alias for AUTOINCREMENT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class SchemaTooNew(RuntimeError):
    """The store was created by a newer portal than this one."""


class SubmissionConflict(ValueError):
    """A submission id was reused for a different director or invoice."""


class Money(TypeDecorator):
    """Decimal stored as exact text (never float), so SQLite and PostgreSQL keep every cent."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        return str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator):
    """Timestamps kept in UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False),
)

director_jobs = Table(
    "director_jobs",
    metadata,
    Column("director_email", String(320), primary_key=True),
    Column("invoice_key", String(200), primary_key=True),
    Column("director_name", String(200), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("office", String(100), nullable=False),
    Column("account_name", String(300), nullable=False),
    Column("project", String(300), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", Money, nullable=False),
    Column("balance", Money, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("days_past_due", Integer),
    Column("aging_bucket", String(40), nullable=False),
    Column("stage", String(100), nullable=False),
    Column("collector", String(200), nullable=False),
    Column("question", Text),
    Column("last_answer", Text),
    Column("last_answer_at", UTCDateTime),
)

director_updates = Table(
    "director_updates",
    metadata,
    Column("update_id", RowId, primary_key=True, autoincrement=True),
    Column("submission_id", String(64), nullable=False),
    Column("director_email", String(320), nullable=False),
    Column("invoice_key", String(200), nullable=False),
    Column("status", String(100), nullable=False),
    Column("note", Text),
    Column("expected_payment_date", Date),
    Column("promised_amount", Money),
    Column("dispute_reason", Text),
    Column("blocker", Text),
    Column("submitted_at", UTCDateTime, nullable=False),
    UniqueConstraint("submission_id", name="uq_director_updates_submission_id"),
    sqlite_autoincrement=True,  # ids never reused, so the pipeline's watermark is safe
)

director_links = Table(
    "director_links",
    metadata,
    Column("director_email", String(320), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", RowId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("detail", Text, nullable=False),
    sqlite_autoincrement=True,
)

form_choices = Table(
    "form_choices",
    metadata,
    Column("field", String(64), primary_key=True),
    Column("value", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
)


@dataclass(frozen=True)
class DirectorJob:
    """One invoice a director is asked about, with the facts they need to answer."""

    director_email: str
    director_name: str
    invoice_key: str
    invoice_number: str
    office: str
    account_name: str
    project: str
    currency: str
    amount: Decimal
    balance: Decimal
    due_date: dt.date
    days_past_due: int | None
    aging_bucket: str
    stage: str
    collector: str
    question: str | None
    last_answer: str | None
    last_answer_at: dt.datetime | None


@dataclass(frozen=True)
class NewUpdate:
    """What a director submitted, before the store gives it an id."""

    submission_id: str
    director_email: str
    invoice_key: str
    status: str
    note: str | None
    expected_payment_date: dt.date | None
    promised_amount: Decimal | None
    dispute_reason: str | None
    blocker: str | None
    submitted_at: dt.datetime


@dataclass(frozen=True)
class DirectorUpdate:
    """A stored update; `update_id` increases with every insert (the pipeline's watermark)."""

    update_id: int
    submission_id: str
    director_email: str
    invoice_key: str
    status: str
    note: str | None
    expected_payment_date: dt.date | None
    promised_amount: Decimal | None
    dispute_reason: str | None
    blocker: str | None
    submitted_at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    audit_id: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: str


_JOB_FIELDS = [f for f in DirectorJob.__dataclass_fields__]
_UPDATE_FIELDS = [f for f in DirectorUpdate.__dataclass_fields__]

# The statements on the page-serving path, built once (parameters bound per call).
_JOBS_FOR = (
    select(*[director_jobs.c[name] for name in _JOB_FIELDS])
    .where(director_jobs.c.director_email == bindparam("director_email"))
    .order_by(director_jobs.c.days_past_due.desc(), director_jobs.c.invoice_number)
)
_JOB = select(*[director_jobs.c[name] for name in _JOB_FIELDS]).where(
    director_jobs.c.director_email == bindparam("director_email"),
    director_jobs.c.invoice_key == bindparam("invoice_key"),
)
_STATUS_CHOICES = (
    select(form_choices.c.value).where(form_choices.c.field == "status").order_by(form_choices.c.position)
)
_LINK_VERSION = select(director_links.c.version).where(
    director_links.c.director_email == bindparam("director_email")
)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _create_private_file(url: str) -> None:
    """Create a new SQLite file readable by its owner only (SQLite gives its -wal and -shm files
    the same mode): it holds every director's invoices and notes."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _ensure_wal(cursor) -> None:
    """Switch the file to WAL (a persistent setting) unless it is already.

    SQLite answers a journal-mode change with "database is locked" without calling the busy
    handler when another process is closing the last connection (checkpointing and removing the
    WAL), so the switch is retried until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_engine(url: str) -> Engine:
    """SQLite in WAL mode with a busy timeout; writers take the lock up front (BEGIN IMMEDIATE).

    Every write goes through `PortalStore._writer`; reads are single SELECTs, each one snapshot.
    """
    _create_private_file(url)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")  # same as SQLITE_BUSY_TIMEOUT_MS
        _ensure_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers lock up front; readers run each SELECT in autocommit, which is one snapshot.
        if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class PortalStore:
    """All reads and writes of the portal's own database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = (
            engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
        )

    @classmethod
    def from_url(cls, url: str, *, create: bool = True) -> PortalStore:
        """Open the store at `url` (sqlite:///path or postgresql+psycopg://...), creating the schema."""
        engine = _sqlite_engine(url) if url.startswith("sqlite") else create_engine(url, pool_pre_ping=True)
        store = cls(engine)
        if create:
            store.create_schema()
        return store

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    # schema -------------------------------------------------------------------------------
    def create_schema(self) -> int:
        """Create missing tables and record the schema version; refuse a store from a newer portal."""
        with self._writer.begin() as conn:
            metadata.create_all(conn)
            current = conn.execute(select(func.max(schema_version.c.version))).scalar()
            if current is not None and current > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"portal store schema version {current} is newer than this portal's {SCHEMA_VERSION}"
                )
            if current is None or current < SCHEMA_VERSION:
                conn.execute(insert(schema_version).values(version=SCHEMA_VERSION, applied_at=_utcnow()))
        return SCHEMA_VERSION

    def schema_version(self) -> int | None:
        """The version recorded in the store, or None before `create_schema`."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(schema_version.c.version))).scalar()

    # director jobs (published by the pipeline) -----------------------------------------------
    def publish_jobs(self, jobs: Iterable[DirectorJob], status_choices: list[str]) -> int:
        """Replace every job and the status choices in one transaction; readers see old or new."""
        if not status_choices:
            raise ValueError("status_choices must not be empty: directors need at least one status")
        if len(set(status_choices)) != len(status_choices):
            raise ValueError(f"status_choices has duplicates: {status_choices}")
        rows = []
        for job in jobs:
            for name in ("amount", "balance"):
                value = getattr(job, name)
                if not isinstance(value, Decimal):
                    kind = type(value).__name__
                    raise TypeError(f"job {job.invoice_key!r}: {name} must be a Decimal, got {kind}")
            row = {name: getattr(job, name) for name in _JOB_FIELDS}
            row["director_email"] = normalize_email(job.director_email)
            rows.append(row)
        with self._writer.begin() as conn:
            conn.execute(delete(director_jobs))
            if rows:
                conn.execute(insert(director_jobs), rows)
            conn.execute(delete(form_choices).where(form_choices.c.field == "status"))
            conn.execute(
                insert(form_choices),
                [
                    {"field": "status", "value": value, "position": i}
                    for i, value in enumerate(status_choices)
                ],
            )
        return len(rows)

    def jobs_for(self, director_email: str) -> list[DirectorJob]:
        """This director's jobs, most overdue first."""
        with self.engine.connect() as conn:
            rows = conn.execute(_JOBS_FOR, {"director_email": normalize_email(director_email)})
            return [DirectorJob(*row) for row in rows]

    def job(self, director_email: str, invoice_key: str) -> DirectorJob | None:
        """One job, only if it belongs to this director."""
        with self.engine.connect() as conn:
            row = conn.execute(
                _JOB, {"director_email": normalize_email(director_email), "invoice_key": invoice_key}
            ).first()
        return None if row is None else DirectorJob(*row)

    def status_choices(self) -> list[str]:
        """The statuses a director may pick, in the configured order."""
        with self.engine.connect() as conn:
            return list(conn.execute(_STATUS_CHOICES).scalars())

    # links ------------------------------------------------------------------------------------
    def link_version(self, director_email: str) -> int:
        """The current link version of a director (1 until first revoked)."""
        with self.engine.connect() as conn:
            version = conn.execute(
                _LINK_VERSION, {"director_email": normalize_email(director_email)}
            ).scalar()
        return FIRST_LINK_VERSION if version is None else version

    def revoke(self, director_email: str) -> int:
        """Invalidate every link of this director by bumping the version; returns the new version."""
        email = normalize_email(director_email)
        with self._writer.begin() as conn:
            current = conn.execute(
                select(director_links.c.version).where(director_links.c.director_email == email)
            ).scalar()
            if current is None:
                new = FIRST_LINK_VERSION + 1
                conn.execute(
                    insert(director_links).values(director_email=email, version=new, changed_at=_utcnow())
                )
            else:
                new = current + 1
                conn.execute(
                    update(director_links)
                    .where(director_links.c.director_email == email)
                    .values(version=new, changed_at=_utcnow())
                )
        return new

    # updates (the inbox the pipeline ingests) ---------------------------------------------------
    def record_update(self, new: NewUpdate) -> int:
        """Append an update once per submission id; a repeat returns the first one's id."""
        row = {name: getattr(new, name) for name in NewUpdate.__dataclass_fields__}
        row["director_email"] = normalize_email(new.director_email)
        try:
            with self._writer.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Serialize inserts so ids commit in id order: the pipeline reads by an id
                    # watermark and must never pass an id whose row is not yet visible.
                    # (SQLite writers are serialized already by BEGIN IMMEDIATE.)
                    conn.exec_driver_sql("LOCK TABLE director_updates IN SHARE ROW EXCLUSIVE MODE")
                return conn.execute(insert(director_updates).values(**row)).inserted_primary_key[0]
        except IntegrityError:
            with self.engine.connect() as conn:
                existing = conn.execute(
                    select(
                        director_updates.c.update_id,
                        director_updates.c.director_email,
                        director_updates.c.invoice_key,
                    ).where(director_updates.c.submission_id == new.submission_id)
                ).first()
            if existing is None:
                raise
            if (existing.director_email, existing.invoice_key) != (row["director_email"], new.invoice_key):
                raise SubmissionConflict(
                    f"submission {new.submission_id!r} was already used for another invoice"
                ) from None
            return existing.update_id

    def updates_after(self, update_id: int, limit: int) -> list[DirectorUpdate]:
        """Updates with an id above the watermark, oldest first, at most `limit`."""
        query = (
            select(*[director_updates.c[name] for name in _UPDATE_FIELDS])
            .where(director_updates.c.update_id > update_id)
            .order_by(director_updates.c.update_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [DirectorUpdate(*row) for row in conn.execute(query)]

    def update(self, director_email: str, update_id: int) -> DirectorUpdate | None:
        """One stored update, only if this director wrote it (for the confirmation page)."""
        query = select(*[director_updates.c[name] for name in _UPDATE_FIELDS]).where(
            director_updates.c.update_id == update_id,
            director_updates.c.director_email == normalize_email(director_email),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else DirectorUpdate(*row)

    # audit --------------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, subject: str, detail: str | Mapping[str, object] = "") -> None:
        """Record who did what to which subject (detail: text, or a mapping kept as JSON)."""
        text = detail if isinstance(detail, str) else json.dumps(dict(detail), default=str, sort_keys=True)
        with self._writer.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=_utcnow(), actor=actor, action=action, subject=subject, detail=text
                )
            )

    def audit_entries(self, action: str | None = None) -> list[AuditEntry]:
        """The audit log in order, optionally one action only."""
        query = select(audit_log).order_by(audit_log.c.audit_id)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        with self.engine.connect() as conn:
            return [AuditEntry(*row) for row in conn.execute(query)]
