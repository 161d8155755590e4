"""The directors' read model: the open invoices each director is asked about, the statuses they
may answer with and the policy facts the pages need, published by the pipeline in one
transaction (readers see the old set or the new)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select

from portal.links import normalize_email
from portal.store.bulk import replace_tables
from portal.store.connection import PortalStore
from portal.store.tables import director_jobs, form_choices
from portal.store.tables import published_policy as policy_table


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


_JOB_FIELDS = list(DirectorJob.__dataclass_fields__)
# The statements on the page-serving path, built once (parameters bound per call).
_JOBS_FOR = (
    select(*[director_jobs.c[name] for name in _JOB_FIELDS])
    .where(director_jobs.c.director_email == bindparam("director_email"))
    .order_by(director_jobs.c.days_past_due.desc(), director_jobs.c.invoice_number)
)
_STATUS_CHOICES = (
    select(form_choices.c.value).where(form_choices.c.field == "status").order_by(form_choices.c.position)
)


def publish(
    store: PortalStore,
    jobs: Iterable[DirectorJob],
    status_choices: list[str],
    policy: Mapping[str, str] | None = None,
) -> int:
    """Replace every job, the status choices and the `policy` facts the pages need (time zone, how
    long an answer stands) in one transaction; readers see old or new."""
    if not status_choices:
        raise ValueError("status_choices must not be empty: directors need at least one status")
    if len(set(status_choices)) != len(status_choices):
        raise ValueError(f"status_choices has duplicates: {status_choices}")
    rows = [_job_row(job) for job in jobs]

    def choices_and_policy(conn) -> None:
        if policy is not None:
            conn.execute(delete(policy_table))
            if policy:
                conn.execute(insert(policy_table), [{"name": k, "value": v} for k, v in policy.items()])
        conn.execute(delete(form_choices).where(form_choices.c.field == "status"))
        conn.execute(
            insert(form_choices),
            [{"field": "status", "value": value, "position": i} for i, value in enumerate(status_choices)],
        )

    replace_tables(store, {director_jobs: rows}, also=choices_and_policy)
    return len(rows)


def _job_row(job: DirectorJob) -> dict:
    """The job as a row; money must be Decimal (never float)."""
    for name in ("amount", "balance"):
        value = getattr(job, name)
        if not isinstance(value, Decimal):
            raise TypeError(f"job {job.invoice_key!r}: {name} must be a Decimal, got {type(value).__name__}")
    row = {name: getattr(job, name) for name in _JOB_FIELDS}
    row["director_email"] = normalize_email(job.director_email)
    return row


def for_director(store: PortalStore, director_email: str) -> list[DirectorJob]:
    """This director's jobs, most overdue first."""
    email = normalize_email(director_email)

    def read() -> tuple[DirectorJob, ...]:
        with store.engine.connect() as conn:
            return tuple(DirectorJob(*row) for row in conn.execute(_JOBS_FOR, {"director_email": email}))

    return list(store.cached(("director_jobs", email), read))


def directors(store: PortalStore) -> list[tuple[str, str]]:
    """(email, name) of every director with published jobs, by name (`ledgerloop link NAME`)."""
    query = select(director_jobs.c.director_email, director_jobs.c.director_name).distinct()
    with store.engine.connect() as conn:
        return sorted(((e, n) for e, n in conn.execute(query)), key=lambda row: (row[1], row[0]))


def status_choices(store: PortalStore) -> list[str]:
    """The statuses a director may pick, in the configured order."""

    def read() -> tuple[str, ...]:
        with store.engine.connect() as conn:
            return tuple(conn.execute(_STATUS_CHOICES).scalars())

    return list(store.cached("status_choices", read))


def published_policy(store: PortalStore) -> dict[str, str]:
    """The policy facts the pipeline published for the pages (empty before the first run)."""

    def read() -> tuple[tuple[str, str], ...]:
        with store.engine.connect() as conn:
            return tuple(conn.execute(select(policy_table.c.name, policy_table.c.value)).all())

    return dict(store.cached("published_policy", read))
