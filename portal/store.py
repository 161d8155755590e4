"""The portal store: the read models, the inboxes, link versions and the audit log.

The portal never opens the warehouse (DuckDB allows one writing process and the portal must keep
serving during runs), so it has its own database: SQLite in WAL mode by default, PostgreSQL by
URL. The pipeline publishes `director_jobs` and the collector workbench's read models
(`team_members`, `collector_items`, `account_events`, `team_workload`) here, and ingests
`director_updates` and `collector_entries` from here.

Schema versions: 1 (director portal), 2 (collector workbench: the tables above, and
`audit_log.account_id`), 3 (the client and contact on each director job, answers that cover
several invoices, `published_policy`, the load rule on `team_workload`; worklists per account:
`collector_accounts`, `workbench_state`, and `collector_items.reasons`, `source_number`,
`due_date`, `notes`). `create_schema` migrates an older store in place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
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
    inspect,
    make_url,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from portal.links import normalize_email
from portal.worklist_rows import CollectorAccount, WorkbenchState, json_dicts

SCHEMA_VERSION = 3
SQLITE_BUSY_TIMEOUT_MS = 10_000
FIRST_LINK_VERSION = 1
# Row ids: BIGINT (BIGSERIAL) on PostgreSQL so any id the portal accepts in a URL can be compared;
# plain INTEGER on SQLite, which is already 64-bit and must stay the rowid alias for AUTOINCREMENT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class SchemaTooNew(RuntimeError):
    """The store was created by a newer portal than this one."""


class SubmissionConflict(ValueError):
    """A submission id was reused for a different director, collector, account or invoice."""


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
    # schema 3: the client (account) and its contact (contacts/account_contacts.csv)
    Column("account_id", String(300)),
    Column("contact_name", String(200)),
    Column("contact_email", String(320)),
    Column("contact_phone", String(60)),
)


def _inbox_table(name: str, id_column: str, *columns: Column, indexes: tuple[Index, ...] = ()) -> Table:
    """A table staff append to and the pipeline ingests by id: ids are never reused (so the
    pipeline's watermark is safe) and a submission is stored once."""
    return Table(
        name,
        metadata,
        Column(id_column, RowId, primary_key=True, autoincrement=True),
        Column("submission_id", String(64), nullable=False),
        *columns,
        Column("submitted_at", UTCDateTime, nullable=False),
        UniqueConstraint("submission_id", name=f"uq_{name}_submission_id"),
        *indexes,
        sqlite_autoincrement=True,
    )


director_updates = _inbox_table(
    "director_updates",
    "update_id",
    Column("director_email", String(320), nullable=False),
    Column("invoice_key", String(200), nullable=False),
    Column("status", String(100), nullable=False),
    Column("note", Text),
    Column("expected_payment_date", Date),
    Column("promised_amount", Money),
    Column("dispute_reason", Text),
    Column("blocker", Text),
    Column("answer_group", String(64)),  # schema 3: the form's submission id, shared by its invoices
    indexes=(Index("ix_director_updates_director", "director_email"),),
)

# Link versions per person, whatever their role (director, collector, manager): bumping one
# revokes every link and session of that person.
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
    Column("account_id", String(200)),  # schema 2 (contract C5)
    Index("ix_audit_log_account_id", "account_id"),
    Index("ix_audit_log_actor", "actor"),
    sqlite_autoincrement=True,
)

# The collector workbench (schema 2) ------------------------------------------------------------
team_members = Table(
    "team_members",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("role", String(20), primary_key=True),  # collector | manager
    Column("name", String(200), nullable=False),
    Column("office", String(100)),  # a manager without one oversees every office
)

collector_items = Table(
    "collector_items",
    metadata,
    Column("collector", String(200), primary_key=True),
    Column("item_key", String(300), primary_key=True),
    Column("collector_email", String(320)),  # null for a collector not on the roster
    Column("collector_office", String(100)),
    Column("rank", Integer, nullable=False),
    Column("invoice_key", String(200)),
    Column("payment_id", String(300)),
    Column("account_id", String(300)),
    Column("account_name", String(300)),
    Column("invoice_number", String(100)),
    Column("currency", String(3)),
    Column("balance", Money),
    Column("days_past_due", Integer),
    Column("aging_bucket", String(40)),
    Column("reason", String(100)),
    Column("next_action", Text),
    Column("due_by", Date),
    Column("priority_score", Money),
    Column("drivers", Text, nullable=False),  # JSON list of {driver, value, points}
    Column("reasons", Text),  # schema 3: JSON list of {reason, due_by}, every reason that holds
    Column("source_number", String(100)),  # schema 3: the source's spelling where it differs
    Column("due_date", Date),  # schema 3
    Column("notes", Text),  # schema 3: the invoice's promise, dispute, plan, director answer in words
    Index("ix_collector_items_email", "collector_email"),
    Index("ix_collector_items_account", "account_id"),
)

# Schema 3: each collector's ranked accounts (marts.collector_worklist), the items above under them.
collector_accounts = Table(
    "collector_accounts",
    metadata,
    Column("collector", String(200), primary_key=True),
    Column("item_key", String(300), primary_key=True),  # the account id, or payment:<id>
    Column("collector_email", String(320)),
    Column("collector_office", String(100)),
    Column("rank", Integer, nullable=False),
    Column("account_id", String(300)),
    Column("account_name", String(300)),
    Column("payment_id", String(300)),
    Column("contact_name", String(300)),
    Column("contact_email", String(320)),
    Column("contact_phone", String(100)),
    Column("open_invoices", Integer, nullable=False),
    Column("open_balances", Text),
    Column("days_past_due", Integer),
    Column("reason", String(100), nullable=False),
    Column("next_action", Text, nullable=False),
    Column("due_by", Date),
    Column("priority_score", Money, nullable=False),
    Column("drivers", Text, nullable=False),  # JSON list of {driver, label, points}
    Column("notes", Text),
    Column("days_since_contact", Integer),
    Index("ix_collector_accounts_email", "collector_email"),
    Index("ix_collector_accounts_account", "account_id"),
)

# Schema 3: what the published worklists reflect (one row): the entries they already count and
# the policy the portal needs to show a new entry's next action before the next run.
workbench_state = Table(
    "workbench_state",
    metadata,
    Column("state_id", Integer, primary_key=True),
    Column("as_of_date", Date, nullable=False),
    Column("entries_through", BigInteger, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("policy", Text, nullable=False),  # JSON: next_actions, promise_due_within_days, ...
)

account_events = Table(
    "account_events",
    metadata,
    Column("account_id", String(300), primary_key=True),
    Column("sequence_number", BigInteger, primary_key=True),
    Column("account_name", String(300)),
    Column("occurred_at", UTCDateTime),
    Column("kind", String(60), nullable=False),
    Column("invoice_key", String(200)),
    Column("payment_id", String(300)),
    Column("amount", Money),
    Column("currency", String(3)),
    Column("actor", String(320)),
    Column("detail", Text),
)

team_workload = Table(
    "team_workload",
    metadata,
    Column("collector", String(200), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("collector_email", String(320)),
    Column("collector_office", String(100)),
    Column("open_items", Integer, nullable=False),
    Column("open_balance", Money, nullable=False),
    Column("past_due_items", Integer, nullable=False),
    Column("past_due_balance", Money, nullable=False),
    Column("updates_last_7_days", Integer, nullable=False),
    Column("updates_last_30_days", Integer, nullable=False),
    Column("applications_last_7_days", Integer, nullable=False),
    Column("applications_last_30_days", Integer, nullable=False),
    Column("coverage_gap_accounts", Integer, nullable=False),
    Column("collector_open_items", Integer, nullable=False),
    Column("reassignment_hint", Text),
    Column("as_of_date", Date),
    Column("team_mean_open_items", Money),  # schema 3: the load rule's numbers
    Column("load_ratio", Money),
)

collector_entries = _inbox_table(
    "collector_entries",
    "entry_id",
    Column("collector_email", String(320), nullable=False),
    Column("collector", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("account_id", String(300), nullable=False),
    Column("invoice_key", String(200)),
    Column("note", Text),
    Column("call_outcome", String(30)),
    Column("currency", String(3)),
    Column("promised_amount", Money),
    Column("promised_date", Date),
    Column("dispute_reason", Text),
    Column("dispute_evidence", Text),
    Column("dispute_deadline", Date),
    Column("resolution", Text),
    Column("plan_installments", Text),  # JSON: [{"due_on": "YYYY-MM-DD", "amount": "123.45"}, ...]
    indexes=(Index("ix_collector_entries_account", "account_id"),),
)

# What the pipeline publishes from the policy for the portal's pages (schema 3): `time_zone`
# (times on pages), `answer_stands_days` (how long a director's answer stands).
published_policy = Table(
    "published_policy",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
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
    account_id: str | None = None
    """The client; tracker-only invoices have none (their client is known by name)."""
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None

    @property
    def client_key(self) -> str:
        """What groups a director's jobs by client: the account id, else the account's name."""
        return self.account_id or f"name:{self.account_name}"


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
    answer_group: str | None = None
    """The submission id of the form whose one answer covered this and its sibling invoices."""


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
    answer_group: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    audit_id: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: str
    account_id: str | None = None


ROLES = ("collector", "manager")
ENTRY_KINDS = ("note", "call", "promise", "dispute", "dispute_resolution", "plan")


@dataclass(frozen=True)
class StaffMember:
    """A collector or manager on the roster the pipeline publishes (contract C1)."""

    email: str
    role: str
    name: str
    office: str | None


@dataclass(frozen=True)
class CollectorItem:
    """One ranked row of a collector's worklist (marts.collector_worklist)."""

    collector: str
    item_key: str
    collector_email: str | None
    collector_office: str | None
    rank: int
    invoice_key: str | None
    payment_id: str | None
    account_id: str | None
    account_name: str | None
    invoice_number: str | None
    currency: str | None
    balance: Decimal | None
    days_past_due: int | None
    aging_bucket: str | None
    reason: str | None
    next_action: str | None
    due_by: dt.date | None
    priority_score: Decimal | None
    drivers: str
    reasons: str | None = None
    source_number: str | None = None
    due_date: dt.date | None = None
    notes: str | None = None

    def driver_list(self) -> list[dict]:
        """The drivers of the score, largest contribution first."""
        return json_dicts(self.drivers)

    def reason_list(self) -> list[dict]:
        """Every reason that holds, in the policy's order, each with its due date (ISO text)."""
        return json_dicts(self.reasons, by_points=False)


@dataclass(frozen=True)
class AccountEvent:
    """One event of an account's timeline (marts.account_timeline)."""

    account_id: str
    sequence_number: int
    account_name: str | None
    occurred_at: dt.datetime | None
    kind: str
    invoice_key: str | None
    payment_id: str | None
    amount: Decimal | None
    currency: str | None
    actor: str | None
    detail: str | None


@dataclass(frozen=True)
class WorkloadRow:
    """One collector and currency of the team view (marts.collector_workload)."""

    collector: str
    currency: str
    collector_email: str | None
    collector_office: str | None
    open_items: int
    open_balance: Decimal
    past_due_items: int
    past_due_balance: Decimal
    updates_last_7_days: int
    updates_last_30_days: int
    applications_last_7_days: int
    applications_last_30_days: int
    coverage_gap_accounts: int
    collector_open_items: int
    reassignment_hint: str | None
    as_of_date: dt.date | None
    team_mean_open_items: Decimal | None = None
    """The mean of open items per collector (unassigned left out), and the policy's
    `worklist.reassign_load_ratio`: load is even within mean / ratio .. mean x ratio."""
    load_ratio: Decimal | None = None


@dataclass(frozen=True)
class NewEntry:
    """What a collector recorded in the workbench, before the store gives it an id (contract C2)."""

    submission_id: str
    collector_email: str
    collector: str
    kind: str
    account_id: str
    invoice_key: str | None
    note: str | None
    call_outcome: str | None
    currency: str | None
    promised_amount: Decimal | None
    promised_date: dt.date | None
    dispute_reason: str | None
    dispute_evidence: str | None
    dispute_deadline: dt.date | None
    resolution: str | None
    plan_installments: str | None
    submitted_at: dt.datetime


@dataclass(frozen=True)
class CollectorEntry(NewEntry):
    """A stored entry; `entry_id` increases with every insert (the pipeline's watermark)."""

    entry_id: int = 0

    def installments(self) -> list[dict]:
        """The plan's installments as stored (due_on, amount as text)."""
        return json.loads(self.plan_installments) if self.plan_installments else []


_JOB_FIELDS = [f for f in DirectorJob.__dataclass_fields__]
_UPDATE_FIELDS = [f for f in DirectorUpdate.__dataclass_fields__]
_NEW_UPDATE_FIELDS = [f for f in NewUpdate.__dataclass_fields__]
_ITEM_FIELDS = [f for f in CollectorItem.__dataclass_fields__]
_ACCOUNT_FIELDS = [f for f in CollectorAccount.__dataclass_fields__]
_EVENT_FIELDS = [f for f in AccountEvent.__dataclass_fields__]
_WORKLOAD_FIELDS = [f for f in WorkloadRow.__dataclass_fields__]
_NEW_ENTRY_FIELDS = [f for f in NewEntry.__dataclass_fields__]
_ENTRY_FIELDS = [f for f in CollectorEntry.__dataclass_fields__]
_AUDIT_FIELDS = [f for f in AuditEntry.__dataclass_fields__]

# The statements on the page-serving path, built once (parameters bound per call).
_JOBS_FOR = (
    select(*[director_jobs.c[name] for name in _JOB_FIELDS])
    .where(director_jobs.c.director_email == bindparam("director_email"))
    .order_by(director_jobs.c.days_past_due.desc(), director_jobs.c.invoice_number)
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


def _migrate_1_to_2(conn) -> None:
    """Version 1 -> 2, in the caller's transaction: the workbench tables are new (`create_all`
    made them); the audit log gains `account_id` and its indexes by account and by actor."""
    columns = {c["name"] for c in inspect(conn).get_columns("audit_log")}
    if "account_id" not in columns:
        conn.exec_driver_sql("ALTER TABLE audit_log ADD COLUMN account_id VARCHAR(200)")
    for index in audit_log.indexes:
        index.create(conn, checkfirst=True)


_COLUMNS_OF_3 = {  # (table, column): its DDL, written out (no SQL is built from strings)
    ("director_jobs", "account_id"): "ALTER TABLE director_jobs ADD COLUMN account_id VARCHAR(300)",
    ("director_jobs", "contact_name"): "ALTER TABLE director_jobs ADD COLUMN contact_name VARCHAR(200)",
    ("director_jobs", "contact_email"): "ALTER TABLE director_jobs ADD COLUMN contact_email VARCHAR(320)",
    ("director_jobs", "contact_phone"): "ALTER TABLE director_jobs ADD COLUMN contact_phone VARCHAR(60)",
    ("director_updates", "answer_group"): "ALTER TABLE director_updates ADD COLUMN answer_group VARCHAR(64)",
    ("team_workload", "team_mean_open_items"):
        "ALTER TABLE team_workload ADD COLUMN team_mean_open_items VARCHAR(40)",
    ("team_workload", "load_ratio"): "ALTER TABLE team_workload ADD COLUMN load_ratio VARCHAR(40)",
    ("collector_items", "reasons"): "ALTER TABLE collector_items ADD COLUMN reasons TEXT",
    ("collector_items", "source_number"): "ALTER TABLE collector_items ADD COLUMN source_number VARCHAR(100)",
    ("collector_items", "due_date"): "ALTER TABLE collector_items ADD COLUMN due_date DATE",
    ("collector_items", "notes"): "ALTER TABLE collector_items ADD COLUMN notes TEXT",
}


def _migrate_2_to_3(conn) -> None:
    """Version 2 -> 3, in the caller's transaction: new nullable columns on tables that exist
    (`create_all` made `published_policy`, `collector_accounts` and `workbench_state`), and the
    index of answers by director."""
    for (table, column), ddl in _COLUMNS_OF_3.items():
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(ddl)
    for index in director_updates.indexes:
        index.create(conn, checkfirst=True)


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
            if current is not None and current < 2:
                _migrate_1_to_2(conn)
            if current is not None and current < 3:
                _migrate_2_to_3(conn)
            if current is None or current < SCHEMA_VERSION:
                conn.execute(insert(schema_version).values(version=SCHEMA_VERSION, applied_at=_utcnow()))
        return SCHEMA_VERSION

    def schema_version(self) -> int | None:
        """The version recorded in the store, or None before `create_schema`."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(schema_version.c.version))).scalar()

    # director jobs (published by the pipeline) -----------------------------------------------
    def publish_jobs(
        self,
        jobs: Iterable[DirectorJob],
        status_choices: list[str],
        policy: Mapping[str, str] | None = None,
    ) -> int:
        """Replace every job, the status choices and the `policy` facts the pages need (time zone,
        how long an answer stands) in one transaction; readers see old or new."""
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
            if policy is not None:
                conn.execute(delete(published_policy))
                if policy:
                    conn.execute(
                        insert(published_policy), [{"name": k, "value": v} for k, v in policy.items()]
                    )
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

    def directors(self) -> list[tuple[str, str]]:
        """(email, name) of every director with published jobs, by name (`ledgerloop link NAME`)."""
        query = select(director_jobs.c.director_email, director_jobs.c.director_name).distinct()
        with self.engine.connect() as conn:
            return sorted(((e, n) for e, n in conn.execute(query)), key=lambda row: (row[1], row[0]))

    def status_choices(self) -> list[str]:
        """The statuses a director may pick, in the configured order."""
        with self.engine.connect() as conn:
            return list(conn.execute(_STATUS_CHOICES).scalars())

    def published_policy(self) -> dict[str, str]:
        """The policy facts the pipeline published for the pages (empty before the first run)."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(published_policy.c.name, published_policy.c.value)).all())

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
        row = {name: getattr(new, name) for name in _NEW_UPDATE_FIELDS}
        row["director_email"] = normalize_email(new.director_email)
        return self._append_once(
            director_updates,
            "LOCK TABLE director_updates IN SHARE ROW EXCLUSIVE MODE",
            row,
            identity=("director_email", "invoice_key"),
            what="invoice",
        )

    def record_answer(self, answers: Sequence[NewUpdate]) -> list[int]:
        """Append one answer covering several invoices (one row each, sharing `answer_group`) in
        one transaction: all or none. Posting the same form again stores nothing more and returns
        the ids stored the first time."""
        group = answers[0].answer_group
        if not group or any(a.answer_group != group for a in answers):
            raise ValueError("every row of an answer needs the same answer_group")
        rows = [{name: getattr(a, name) for name in _NEW_UPDATE_FIELDS} for a in answers]
        for row in rows:
            row["director_email"] = normalize_email(row["director_email"])
        director = rows[0]["director_email"]
        existing = (
            select(director_updates.c.update_id, director_updates.c.director_email)
            .where(director_updates.c.answer_group == group)
            .order_by(director_updates.c.update_id)
        )
        with self._writer.begin() as conn:
            if conn.dialect.name == "postgresql":  # ids commit in id order (see _append_once)
                conn.exec_driver_sql("LOCK TABLE director_updates IN SHARE ROW EXCLUSIVE MODE")
            stored = conn.execute(existing).all()
            if stored:
                if any(email != director for _, email in stored):
                    raise SubmissionConflict(f"submission {group!r} was already used by another director")
                return [update_id for update_id, _ in stored]
            return [
                conn.execute(insert(director_updates).values(**row)).inserted_primary_key[0] for row in rows
            ]

    def answers(self, director_email: str) -> dict[str, DirectorUpdate]:
        """This director's newest answer per invoice, from the inbox: what they said is shown at
        once, before the pipeline has ingested it."""
        query = (
            select(*[director_updates.c[name] for name in _UPDATE_FIELDS])
            .where(director_updates.c.director_email == normalize_email(director_email))
            .order_by(director_updates.c.update_id)
        )
        with self.engine.connect() as conn:
            return {row.invoice_key: DirectorUpdate(*row) for row in conn.execute(query)}

    def answer_rows(self, director_email: str, update_id: int) -> list[DirectorUpdate]:
        """The stored update and, when it was one answer for several invoices, its siblings;
        empty unless this director wrote it."""
        first = self.update(director_email, update_id)
        if first is None or first.answer_group is None:
            return [] if first is None else [first]
        query = (
            select(*[director_updates.c[name] for name in _UPDATE_FIELDS])
            .where(
                director_updates.c.answer_group == first.answer_group,
                director_updates.c.director_email == first.director_email,
            )
            .order_by(director_updates.c.update_id)
        )
        with self.engine.connect() as conn:
            return [DirectorUpdate(*row) for row in conn.execute(query)]

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
    def audit(
        self,
        actor: str,
        action: str,
        subject: str,
        detail: str | Mapping[str, object] = "",
        *,
        account_id: str | None = None,
    ) -> None:
        """Record who did what to which subject (detail: text, or a mapping kept as JSON), and the
        account it concerns where there is one (contract C5)."""
        text = detail if isinstance(detail, str) else json.dumps(dict(detail), default=str, sort_keys=True)
        with self._writer.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=_utcnow(),
                    actor=actor,
                    action=action,
                    subject=subject,
                    detail=text,
                    account_id=account_id,
                )
            )

    def audit_entries(
        self, action: str | None = None, *, account_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """The audit log in order, optionally one action, one account and/or one actor only."""
        query = select(*[audit_log.c[name] for name in _AUDIT_FIELDS]).order_by(audit_log.c.audit_id)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        if account_id is not None:
            query = query.where(audit_log.c.account_id == account_id)
        if actor is not None:
            query = query.where(audit_log.c.actor == actor)
        with self.engine.connect() as conn:
            return [AuditEntry(*row) for row in conn.execute(query)]

    # the collector workbench's read models (published by the pipeline) ---------------------------
    def publish_team(self, members: Iterable[StaffMember]) -> int:
        """Replace the roster alone (`ledgerloop link` keeps it current before the first run)."""
        rows = _member_rows(members)
        with self._writer.begin() as conn:
            conn.execute(delete(team_members))
            if rows:
                conn.execute(insert(team_members), rows)
        return len(rows)

    def publish_workbench(
        self,
        members: Iterable[StaffMember],
        items: Iterable[CollectorItem],
        events: Iterable[AccountEvent],
        workload: Iterable[WorkloadRow],
        accounts: Iterable[CollectorAccount] = (),
        state: WorkbenchState | None = None,
    ) -> dict[str, int]:
        """Replace the roster, every worklist (accounts and their items), the timelines, the team
        workload and the state in one transaction: a page reads the old set or the new, never a mix."""
        member_rows = _member_rows(members)
        item_rows = _with_emails(
            [_money_checked(i, ("balance", "priority_score"), _ITEM_FIELDS) for i in items]
        )
        account_rows = _with_emails(
            [_money_checked(a, ("priority_score",), _ACCOUNT_FIELDS) for a in accounts]
        )
        event_rows = [_money_checked(event, ("amount",), _EVENT_FIELDS) for event in events]
        workload_money = ("open_balance", "past_due_balance", "team_mean_open_items", "load_ratio")
        workload_rows = [_money_checked(row, workload_money, _WORKLOAD_FIELDS) for row in workload]
        state_rows = [] if state is None else [_state_row(state)]
        with self._writer.begin() as conn:
            for table, rows in (
                (team_members, member_rows),
                (collector_items, item_rows),
                (collector_accounts, account_rows),
                (account_events, event_rows),
                (team_workload, workload_rows),
                (workbench_state, state_rows),
            ):
                conn.execute(delete(table))
                _bulk_insert(conn, table, rows)
        return {
            "team_members": len(member_rows),
            "collector_items": len(item_rows),
            "collector_accounts": len(account_rows),
            "account_events": len(event_rows),
            "team_workload": len(workload_rows),
        }

    def _accounts(self, *conditions, limit: int | None = None) -> list[CollectorAccount]:
        query = (
            select(*[collector_accounts.c[name] for name in _ACCOUNT_FIELDS])
            .where(*conditions)
            .order_by(collector_accounts.c.collector, collector_accounts.c.rank)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [CollectorAccount(*row) for row in conn.execute(query)]

    def accounts_for(self, collector_email: str, limit: int | None = None) -> list[CollectorAccount]:
        """The ranked accounts of the collector with this email (the session's), top `limit`."""
        return self._accounts(
            collector_accounts.c.collector_email == normalize_email(collector_email), limit=limit
        )

    def accounts_of_collector(self, collector: str, limit: int | None = None) -> list[CollectorAccount]:
        """The ranked accounts of a collector by roster name (for a manager already scoped)."""
        return self._accounts(collector_accounts.c.collector == collector, limit=limit)

    def items_of_accounts(
        self, account_ids: list[str], *, collector_email: str | None = None, collector: str | None = None
    ) -> list[CollectorItem]:
        """A collector's items of these accounts, in rank order: by the session's email, or by the
        name in the lists for a manager already scoped to that collector."""
        owner = _owned_by(collector_items, collector_email, collector)
        if not account_ids or owner is None:
            return []
        return self._items(owner, collector_items.c.account_id.in_(account_ids))

    def collector_account(
        self, account_id: str, *, collector_email: str | None = None, collector: str | None = None
    ) -> CollectorAccount | None:
        """One account row of a collector's list (by the session's email, or by name for a manager
        already scoped); None when it is not on that list."""
        owner = _owned_by(collector_accounts, collector_email, collector)
        if owner is None:
            return None
        found = self._accounts(owner, collector_accounts.c.account_id == account_id, limit=1)
        return found[0] if found else None

    def workbench_state(self) -> WorkbenchState | None:
        """What the published worklists reflect; None before the first publish with a state."""
        columns = [workbench_state.c[name] for name in WorkbenchState.__dataclass_fields__]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(workbench_state.c.state_id == 1)).first()
        if row is None:
            return None
        as_of, through, at, policy = row
        return WorkbenchState(as_of, through, at, json.loads(policy))

    def entries_since(self, entry_id: int, account_ids: list[str]) -> list[CollectorEntry]:
        """Entries on these accounts with an id above `entry_id` (not in the published lists yet),
        oldest first."""
        if not account_ids:
            return []
        return self._entries(
            collector_entries.c.entry_id > entry_id, collector_entries.c.account_id.in_(account_ids)
        )

    def member(self, email: str, role: str) -> StaffMember | None:
        """The roster entry of this person in this role, if they have it."""
        query = select(team_members).where(
            team_members.c.email == normalize_email(email), team_members.c.role == role
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else StaffMember(*row)

    def members(self, role: str) -> list[StaffMember]:
        """Everyone on the roster in this role, by name."""
        query = select(team_members).where(team_members.c.role == role).order_by(team_members.c.name)
        with self.engine.connect() as conn:
            return [StaffMember(*row) for row in conn.execute(query)]

    def _items(self, *conditions, limit: int | None = None) -> list[CollectorItem]:
        query = (
            select(*[collector_items.c[name] for name in _ITEM_FIELDS])
            .where(*conditions)
            .order_by(collector_items.c.collector, collector_items.c.rank)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [CollectorItem(*row) for row in conn.execute(query)]

    def items_for(self, collector_email: str, limit: int | None = None) -> list[CollectorItem]:
        """The ranked worklist of the collector with this email (the session's), top `limit` items."""
        return self._items(collector_items.c.collector_email == normalize_email(collector_email), limit=limit)

    def items_of_collector(self, collector: str, limit: int | None = None) -> list[CollectorItem]:
        """The ranked worklist of a collector by roster name (for a manager already scoped)."""
        return self._items(collector_items.c.collector == collector, limit=limit)

    def collector_account_items(self, collector: str, account_id: str) -> list[CollectorItem]:
        """A collector's items of this account by roster name (for a manager already scoped)."""
        return self._items(
            collector_items.c.collector == collector, collector_items.c.account_id == account_id
        )

    def account_items(self, collector_email: str, account_id: str) -> list[CollectorItem]:
        """This collector's items of this account; empty when the account is not on their list."""
        return self._items(
            collector_items.c.collector_email == normalize_email(collector_email),
            collector_items.c.account_id == account_id,
        )

    def account_names(
        self, *, collector_email: str | None = None, office: str | None = None
    ) -> dict[str, str]:
        """Accounts (id -> name) on one collector's list (by email), or on the lists of an office's
        collectors (every collector's when neither is given): whose drafts a person may act on."""
        query = select(collector_items.c.account_id, func.min(collector_items.c.account_name)).where(
            collector_items.c.account_id.is_not(None)
        )
        if collector_email is not None:
            query = query.where(collector_items.c.collector_email == normalize_email(collector_email))
        elif office is not None:
            query = query.where(collector_items.c.collector_office == office)
        with self.engine.connect() as conn:
            rows = conn.execute(query.group_by(collector_items.c.account_id))
            return {account_id: name or account_id for account_id, name in rows}

    def invoice_numbers(self, invoice_keys: Iterable[str]) -> dict[str, str]:
        """The invoice number of each of these keys that is on a worklist."""
        keys = sorted(set(invoice_keys))
        if not keys:
            return {}
        query = select(collector_items.c.invoice_key, collector_items.c.invoice_number).where(
            collector_items.c.invoice_key.in_(keys), collector_items.c.invoice_number.is_not(None)
        )
        with self.engine.connect() as conn:
            return dict(conn.execute(query).all())

    def account_open_balances(self, account_id: str) -> dict[str, Decimal]:
        """The account's open invoice balance per currency, over every collector's list."""
        query = select(collector_items.c.currency, collector_items.c.balance).where(
            collector_items.c.account_id == account_id, collector_items.c.invoice_key.is_not(None)
        )
        totals: dict[str, Decimal] = {}
        with self.engine.connect() as conn:
            for currency, balance in conn.execute(query):
                if currency and balance is not None:
                    totals[currency] = totals.get(currency, Decimal("0.00")) + balance
        return totals

    def account_events(self, account_id: str) -> list[AccountEvent]:
        """The account's timeline, newest first."""
        query = (
            select(*[account_events.c[name] for name in _EVENT_FIELDS])
            .where(account_events.c.account_id == account_id)
            .order_by(account_events.c.sequence_number.desc())
        )
        with self.engine.connect() as conn:
            return [AccountEvent(*row) for row in conn.execute(query)]

    def workload(self, office: str | None) -> list[WorkloadRow]:
        """The team view: every collector of `office` (every collector when None), by name."""
        query = select(*[team_workload.c[name] for name in _WORKLOAD_FIELDS]).order_by(
            team_workload.c.collector, team_workload.c.currency
        )
        if office is not None:
            query = query.where(team_workload.c.collector_office == office)
        with self.engine.connect() as conn:
            return [WorkloadRow(*row) for row in conn.execute(query)]

    def collector_office(self, collector: str) -> tuple[bool, str | None]:
        """(known, office) of a collector named in the published lists or the workload."""
        with self.engine.connect() as conn:
            for table in (team_workload, collector_items):
                row = conn.execute(
                    select(table.c.collector_office).where(table.c.collector == collector).limit(1)
                ).first()
                if row is not None:
                    return True, row[0]
        return False, None

    # collector entries (the inbox the pipeline ingests) -------------------------------------------
    def record_entry(self, new: NewEntry) -> int:
        """Append an entry once per submission id, audited with it; a repeat returns the first one's id."""
        if new.kind not in ENTRY_KINDS:
            raise ValueError(f"unknown entry kind {new.kind!r}; known: {list(ENTRY_KINDS)}")
        row = {name: getattr(new, name) for name in _NEW_ENTRY_FIELDS}
        row["collector_email"] = normalize_email(new.collector_email)

        def audit(conn, entry_id: int) -> None:
            # The audit line commits with the entry, so a repeated post audits nothing more.
            conn.execute(
                insert(audit_log).values(
                    at=_utcnow(),
                    actor=row["collector_email"],
                    action=f"collector_entry.{new.kind}",
                    subject=str(entry_id),
                    detail=json.dumps({"submission_id": new.submission_id, "invoice_key": new.invoice_key}),
                    account_id=new.account_id,
                )
            )

        return self._append_once(
            collector_entries,
            "LOCK TABLE collector_entries IN SHARE ROW EXCLUSIVE MODE",
            row,
            identity=("collector_email", "account_id", "kind"),
            what="entry",
            with_insert=audit,
        )

    def _append_once(
        self,
        table: Table,
        lock_sql: str,
        row: dict,
        identity: tuple[str, ...],
        what: str,
        with_insert: Callable[[Connection, int], None] | None = None,
    ) -> int:
        """Append `row` to an inbox table once per submission id and return its id (`with_insert`
        writes what must commit with it). A repeat of the submission returns the first row's id;
        the same submission id for a different `identity` (who, about what) is a conflict."""
        try:
            with self._writer.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Serialize inserts so ids commit in id order: the pipeline reads by an id
                    # watermark and must never pass an id whose row is not yet visible.
                    # (SQLite writers are serialized already by BEGIN IMMEDIATE.)
                    conn.exec_driver_sql(lock_sql)
                new_id = conn.execute(insert(table).values(**row)).inserted_primary_key[0]
                if with_insert is not None:
                    with_insert(conn, new_id)
                return new_id
        except IntegrityError:
            id_column = table.primary_key.columns.values()[0]
            with self.engine.connect() as conn:
                existing = conn.execute(
                    select(id_column, *[table.c[name] for name in identity]).where(
                        table.c.submission_id == row["submission_id"]
                    )
                ).first()
            if existing is None:
                raise
            if tuple(existing[1:]) != tuple(row[name] for name in identity):
                raise SubmissionConflict(
                    f"submission {row['submission_id']!r} was already used for another {what}"
                ) from None
            return existing[0]

    def _entries(self, *conditions, limit: int | None = None, newest_first: bool = False):
        order = collector_entries.c.entry_id.desc() if newest_first else collector_entries.c.entry_id
        query = (
            select(*[collector_entries.c[name] for name in _ENTRY_FIELDS]).where(*conditions).order_by(order)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [CollectorEntry(*row) for row in conn.execute(query)]

    def entries_after(self, entry_id: int, limit: int) -> list[CollectorEntry]:
        """Entries with an id above the watermark, oldest first, at most `limit`."""
        return self._entries(collector_entries.c.entry_id > entry_id, limit=limit)

    def entry(self, collector_email: str, entry_id: int) -> CollectorEntry | None:
        """One stored entry, only if this collector wrote it (for the confirmation page)."""
        found = self._entries(
            collector_entries.c.entry_id == entry_id,
            collector_entries.c.collector_email == normalize_email(collector_email),
        )
        return found[0] if found else None

    def account_entries(self, account_id: str, limit: int = 50) -> list[CollectorEntry]:
        """What collectors recorded on this account, newest first (shown before the next run)."""
        return self._entries(collector_entries.c.account_id == account_id, limit=limit, newest_first=True)

    def open_disputes(self, account_id: str) -> dict[str, CollectorEntry]:
        """Disputes recorded on this account's invoices and not resolved since, by invoice key."""
        kinds = or_(collector_entries.c.kind == "dispute", collector_entries.c.kind == "dispute_resolution")
        open_: dict[str, CollectorEntry] = {}
        for entry in self._entries(collector_entries.c.account_id == account_id, kinds):
            if entry.invoice_key is None:
                continue
            if entry.kind == "dispute":
                open_[entry.invoice_key] = entry
            else:
                open_.pop(entry.invoice_key, None)
        return open_


def _bulk_insert(conn, table: Table, rows: list[dict], batch: int = 5_000) -> None:
    """Insert many rows. On SQLite the statement is compiled once and each value goes through its
    column type's own bind processing (Money as exact text, UTC timestamps, dates) straight into
    the driver's executemany: about three times faster than SQLAlchemy's per-row parameter
    handling, which dominates publishing a large read model."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for start in range(0, len(rows), batch):
            conn.execute(insert(table), rows[start : start + batch])
        return
    compiled = insert(table).compile(dialect=conn.dialect)
    names = list(compiled.positiontup)
    processors = [
        table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for name in names
    ]
    pairs = list(zip(names, processors, strict=True))
    for start in range(0, len(rows), batch):
        values = [
            tuple(row[name] if process is None else process(row[name]) for name, process in pairs)
            for row in rows[start : start + batch]
        ]
        conn.exec_driver_sql(compiled.string, values)


def _owned_by(table: Table, collector_email: str | None, collector: str | None):
    """The rows of one collector: by the session's email, or by the name in the lists (for a
    manager already scoped to that collector); None unless exactly one is given."""
    if (collector_email is None) == (collector is None):
        return None
    if collector is not None:
        return table.c.collector == collector
    return table.c.collector_email == normalize_email(collector_email)


def _with_emails(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["collector_email"] = row["collector_email"] and normalize_email(row["collector_email"])
    return rows


def _state_row(state: WorkbenchState) -> dict:
    return {
        "state_id": 1,
        "as_of_date": state.as_of_date,
        "entries_through": state.entries_through,
        "published_at": state.published_at,
        "policy": json.dumps(state.policy, sort_keys=True, default=str),
    }


def _member_rows(members: Iterable[StaffMember]) -> list[dict]:
    rows = []
    for member in members:
        if member.role not in ROLES:
            raise ValueError(f"{member.email}: unknown role {member.role!r}; known: {list(ROLES)}")
        rows.append(
            {
                "email": normalize_email(member.email),
                "role": member.role,
                "name": member.name,
                "office": member.office,
            }
        )
    return rows


def _money_checked(row, money_fields: tuple[str, ...], fields: list[str]) -> dict:
    """The row as a dict for insert; money must be Decimal (never float)."""
    for name in money_fields:
        value = getattr(row, name)
        if value is not None and not isinstance(value, Decimal):
            raise TypeError(f"{type(row).__name__}: {name} must be a Decimal, got {type(value).__name__}")
    return {name: getattr(row, name) for name in fields}
