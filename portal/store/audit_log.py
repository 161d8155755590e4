"""The audit log: who did what to which subject, and the account it concerns (contract C5)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection, insert, select

from portal.store.columns import utcnow
from portal.store.connection import PortalStore
from portal.store.tables import audit_log


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


_AUDIT_FIELDS = list(AuditEntry.__dataclass_fields__)


def write(
    conn: Connection, actor: str, action: str, subject: str, detail: str | Mapping[str, object],
    account_id: str | None,
) -> None:
    """Add one line in the caller's transaction (so it commits with what it records)."""
    conn.execute(insert(audit_log).values(_line(actor, action, subject, detail, account_id)))


def _line(
    actor: str, action: str, subject: str, detail: str | Mapping[str, object], account_id: str | None
) -> dict:
    """One audit row, stamped now; detail as stored: text as it is, a mapping as JSON."""
    text = detail if isinstance(detail, str) else json.dumps(dict(detail), default=str, sort_keys=True)
    return {"at": utcnow(), "actor": actor, "action": action, "subject": subject, "detail": text,
            "account_id": account_id}


def record(
    store: PortalStore,
    actor: str,
    action: str,
    subject: str,
    detail: str | Mapping[str, object] = "",
    *,
    account_id: str | None = None,
) -> None:
    """Record who did what to which subject (detail: text, or a mapping kept as JSON), and the
    account it concerns where there is one (contract C5)."""
    with store.writer.begin() as conn:
        write(conn, actor, action, subject, detail, account_id)


@contextmanager
def batched(store: PortalStore, every: int = 500) -> Iterator[Callable[..., None]]:
    """A recorder like `recorder(store)` that writes its entries `every` at a time, one
    transaction each, and the rest when the block ends: the pipeline audits each of thousands of
    drafts, and a transaction per line cost more than drafting some of them."""
    pending: list[dict] = []

    def flush() -> None:
        if pending:
            with store.writer.begin() as conn:
                conn.execute(insert(audit_log), pending)
            pending.clear()

    def record_later(actor: str, action: str, subject: str, detail: str | Mapping[str, object] = "",
                     *, account_id: str | None = None) -> None:
        pending.append(_line(actor, action, subject, detail, account_id))
        if len(pending) >= every:
            flush()

    try:
        yield record_later
    finally:
        flush()


def recorder(store: PortalStore) -> Callable[..., None]:
    """`record` bound to this store: the `audit` callable that the outbox, dunning drafting and
    delivery take, (actor, action, subject, detail, account_id=...)."""
    return partial(record, store)


def entries(
    store: PortalStore, action: str | None = None, *, account_id: str | None = None, actor: str | None = None
) -> list[AuditEntry]:
    """The audit log in order, optionally one action, one account and/or one actor only."""
    query = select(*[audit_log.c[name] for name in _AUDIT_FIELDS]).order_by(audit_log.c.audit_id)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if account_id is not None:
        query = query.where(audit_log.c.account_id == account_id)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    with store.engine.connect() as conn:
        return [AuditEntry(*row) for row in conn.execute(query)]
