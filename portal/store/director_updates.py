"""The inbox of director answers (`director_updates`): the portal appends, the pipeline ingests
by update id, and the director's pages show their newest answer before it is ingested."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select

from portal.links import normalize_email
from portal.store.connection import PortalStore
from portal.store.inbox import SubmissionConflict, append_once, lock_in_id_order
from portal.store.tables import director_updates


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


_UPDATE_FIELDS = list(DirectorUpdate.__dataclass_fields__)
_NEW_UPDATE_FIELDS = list(NewUpdate.__dataclass_fields__)
_UPDATES = select(*[director_updates.c[name] for name in _UPDATE_FIELDS])


def record(store: PortalStore, new: NewUpdate) -> int:
    """Append an update once per submission id; a repeat returns the first one's id."""
    row = {name: getattr(new, name) for name in _NEW_UPDATE_FIELDS}
    row["director_email"] = normalize_email(new.director_email)
    identity = ("director_email", "invoice_key")
    return append_once(store, director_updates, row, identity=identity, what="invoice")


def record_answer(store: PortalStore, answers: Sequence[NewUpdate]) -> list[int]:
    """Append one answer covering several invoices (one row each, sharing `answer_group`) in one
    transaction: all or none. Posting the same form again stores nothing more and returns the ids
    stored the first time."""
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
    with store.writer.begin() as conn:
        lock_in_id_order(conn, director_updates)
        stored = conn.execute(existing).all()
        if stored:
            if any(email != director for _, email in stored):
                raise SubmissionConflict(f"submission {group!r} was already used by another director")
            return [update_id for update_id, _ in stored]
        return [conn.execute(insert(director_updates).values(**row)).inserted_primary_key[0] for row in rows]


def _updates(store: PortalStore, *conditions, limit: int | None = None) -> list[DirectorUpdate]:
    """Stored updates meeting `conditions`, in id order."""
    query = _UPDATES.where(*conditions).order_by(director_updates.c.update_id).limit(limit)
    with store.engine.connect() as conn:
        return [DirectorUpdate(*row) for row in conn.execute(query)]


def answers(store: PortalStore, director_email: str) -> dict[str, DirectorUpdate]:
    """This director's newest answer per invoice, from the inbox: what they said is shown at once,
    before the pipeline has ingested it."""
    email = normalize_email(director_email)

    def read() -> tuple[DirectorUpdate, ...]:
        return tuple(_updates(store, director_updates.c.director_email == email))

    return {update.invoice_key: update for update in store.cached(("answers", email), read)}


def answer_rows(store: PortalStore, director_email: str, update_id: int) -> list[DirectorUpdate]:
    """The stored update and, when it was one answer for several invoices, its siblings; empty
    unless this director wrote it."""
    first = get(store, director_email, update_id)
    if first is None or first.answer_group is None:
        return [] if first is None else [first]
    return _updates(
        store,
        director_updates.c.answer_group == first.answer_group,
        director_updates.c.director_email == first.director_email,
    )


def after(store: PortalStore, update_id: int, limit: int) -> list[DirectorUpdate]:
    """Updates with an id above the watermark, oldest first, at most `limit`."""
    return _updates(store, director_updates.c.update_id > update_id, limit=limit)


def get(store: PortalStore, director_email: str, update_id: int) -> DirectorUpdate | None:
    """One stored update, only if this director wrote it (for the confirmation page)."""
    found = _updates(
        store,
        director_updates.c.update_id == update_id,
        director_updates.c.director_email == normalize_email(director_email),
    )
    return found[0] if found else None
