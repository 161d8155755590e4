"""Director answers from the portal store into `raw.director_updates`, each exactly once.

The watermark is the highest update id already in the warehouse; ids are the store's own
(autoincrement, never reused). The load re-reads a short window below the watermark and the
table's primary key skips what it holds, so an update committed late (out of id order, which a
PostgreSQL sequence allows) is still loaded, and still only once.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb

from orchestration.automation.jobs import refresh_ledger_job
from orchestration.outreach.portal_store import open_store
from orchestration.resources import LedgerloopResource
from orchestration.warehouse import connect, query_sql_file
from portal.store import DirectorUpdate, PortalStore

BATCH = 5_000
LOOKBACK_IDS = 1_000


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _columns(updates: list[DirectorUpdate], loaded_at: dt.datetime) -> dict:
    return {
        "update_ids": [u.update_id for u in updates],
        "submission_ids": [u.submission_id for u in updates],
        "director_emails": [u.director_email for u in updates],
        "invoice_keys": [u.invoice_key for u in updates],
        "statuses": [u.status for u in updates],
        "notes": [u.note for u in updates],
        "expected_payment_dates": [u.expected_payment_date for u in updates],
        "promised_amounts": [None if u.promised_amount is None else str(u.promised_amount)
                             for u in updates],
        "dispute_reasons": [u.dispute_reason for u in updates],
        "blockers": [u.blocker for u in updates],
        "submitted_ats": [_utc_naive(u.submitted_at) for u in updates],
        "loaded_at": loaded_at,
    }


def watermark(con: duckdb.DuckDBPyConnection) -> int:
    """The highest update id already loaded (0 before the first)."""
    return con.execute("select coalesce(max(update_id), 0) from raw.director_updates").fetchall()[0][0]


class PortalStoreReplaced(RuntimeError):
    """The portal store hands out ids that were loaded already for other submissions."""


_CLASHES = """
select loaded.update_id, loaded.submission_id, store.submission_id
from raw.director_updates as loaded
join (select unnest($update_ids::bigint []) as update_id,
             unnest($submission_ids::varchar []) as submission_id) as store
    using (update_id)
where loaded.submission_id <> store.submission_id
order by loaded.update_id
limit 5
"""


def _refuse_reused_ids(con: duckdb.DuckDBPyConnection, updates: list[DirectorUpdate]) -> None:
    """A replaced store (a new SQLite file, the move to PostgreSQL, a restore) starts its ids
    again; the load skips ids it holds, so its answers would be dropped without a word."""
    clashes = con.execute(_CLASHES, {
        "update_ids": [u.update_id for u in updates],
        "submission_ids": [u.submission_id for u in updates],
    }).fetchall()
    if clashes:
        examples = "; ".join(f"id {i}: loaded {old}, store has {new}" for i, old, new in clashes)
        raise PortalStoreReplaced(
            "portal store: update ids already in raw.director_updates belong to other submissions "
            f"in the store ({examples}), so the store was replaced or restored; nothing was loaded "
            "from it. Point LEDGERLOOP_PORTAL_DB_URL back at the store that holds the loaded "
            "updates, or copy the new store's updates into it."
        )


def load_director_updates(con: duckdb.DuckDBPyConnection, store: PortalStore,
                          now: dt.datetime) -> dict[str, int]:
    """Load every update past the watermark, in batches, each batch in one transaction."""
    before = watermark(con)
    _refuse_reused_ids(con, store.updates_after(0, 1))  # a new store's first id is loaded already
    after, read, loaded = max(0, before - LOOKBACK_IDS), 0, 0
    while batch := store.updates_after(after, BATCH):
        _refuse_reused_ids(con, batch)
        con.begin()
        cursor = query_sql_file(con, "director_updates.sql", _columns(batch, _utc_naive(now)))
        loaded += cursor.fetchall()[0][0]
        con.commit()
        read += len(batch)
        after = batch[-1].update_id
    return {"updates_loaded": loaded, "updates_read": read, "watermark_before": before,
            "watermark_after": watermark(con)}


@dg.asset(key=["portal", "director_updates"], group_name="ingest", kinds={"sqlite", "duckdb"})
def director_updates(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Director answers submitted in the portal, each loaded once (by update id) into raw.director_updates."""
    settings = ledgerloop.settings
    with open_store(settings.home) as store, connect(settings.warehouse_path) as con:
        counts = load_director_updates(con, store, dt.datetime.now(dt.UTC))
    return dg.MaterializeResult(metadata=counts)


def newest_update_id(store: PortalStore, after: int) -> int:
    """The highest id in the store above `after` (or `after` itself when there is none)."""
    newest = after
    while batch := store.updates_after(newest, BATCH):
        newest = batch[-1].update_id
    return newest


# A director's answer should reach the ledger within a minute, not at the next quarter hour.
# It reads only the portal store (the warehouse may be locked by a running pipeline) and keeps
# the newest id it has asked a run for in its cursor.
@dg.sensor(job=refresh_ledger_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_director_updates_sensor(context: dg.SensorEvaluationContext, ledgerloop: LedgerloopResource):
    """Starts a refresh when directors have submitted answers since the last run it requested."""
    seen = int(context.cursor or 0)
    with open_store(ledgerloop.settings.home) as store:
        newest = newest_update_id(store, seen)
    if newest == seen:
        return dg.SkipReason(f"no director updates after id {seen}")
    context.update_cursor(str(newest))
    return dg.RunRequest(run_key=f"director-updates-{newest}",
                         tags={"ledgerloop/trigger": "director updates"})


defs = dg.Definitions(assets=[director_updates], sensors=[new_director_updates_sensor])
