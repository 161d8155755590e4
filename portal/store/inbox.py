"""What both inboxes share (director updates, collector entries): a row is appended once per
submission id, and ids commit in id order, because the pipeline reads them by an id watermark."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from portal.store.connection import PortalStore
from portal.store.tables import inbox_tables

_ID_ORDER_LOCKS = {  # written out: no SQL is built from strings
    "director_updates": "LOCK TABLE director_updates IN SHARE ROW EXCLUSIVE MODE",
    "collector_entries": "LOCK TABLE collector_entries IN SHARE ROW EXCLUSIVE MODE",
}


class SubmissionConflict(ValueError):
    """A submission id was reused for a different director, collector, account or invoice."""


def lock_in_id_order(conn: Connection, table: Table) -> None:
    """Serialize inserts so ids commit in id order: the pipeline reads by an id watermark and must
    never pass an id whose row is not yet visible. (SQLite writers are serialized already by
    BEGIN IMMEDIATE.)"""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_ID_ORDER_LOCKS[table.name])


def append_once(
    store: PortalStore,
    table: Table,
    row: dict,
    identity: tuple[str, ...],
    what: str,
    with_insert: Callable[[Connection, int], None] | None = None,
) -> int:
    """Append `row` to an inbox table once per submission id and return its id (`with_insert`
    writes what must commit with it). A repeat of the submission returns the first row's id;
    the same submission id for a different `identity` (who, about what) is a conflict."""
    try:
        with store.writer.begin() as conn:
            lock_in_id_order(conn, table)
            new_id = conn.execute(insert(table).values(**row)).inserted_primary_key[0]
            if with_insert is not None:
                with_insert(conn, new_id)
            return new_id
    except IntegrityError:
        id_column = table.primary_key.columns.values()[0]
        with store.engine.connect() as conn:
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


def newest_ids(store: PortalStore) -> dict[str, int]:
    """The highest id of every inbox (0 when empty): what tells a run whether anything is new."""
    with store.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.max(table.primary_key.columns.values()[0]))).scalar() or 0
            for table in inbox_tables
        }
