"""Director answers from the portal store into `raw.director_updates`, each exactly once.

Loaded by update id with a lookback, refusing a replaced store (see `portal_inbox`).
"""

import datetime as dt
from collections.abc import Sequence

import dagster as dg
import duckdb

from orchestration.defs.ingest.portal_inbox import inbox_sensor, ingest_inbox
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.portal_inbox import (
    LOOKBACK_IDS,
    PortalInbox,
    PortalStoreReplaced,
    load_inbox,
    utc_naive,
)
from portal.store import PortalStore
from portal.store import director_updates as updates_inbox
from portal.store.director_updates import DirectorUpdate

__all__ = [
    "DIRECTOR_UPDATES",
    "LOOKBACK_IDS",
    "PortalStoreReplaced",
    "defs",
    "director_updates",
    "load_director_updates",
    "new_director_updates_sensor",
]


def _columns(updates: Sequence[DirectorUpdate], loaded_at: dt.datetime) -> dict:
    return {
        "update_ids": [u.update_id for u in updates],
        "submission_ids": [u.submission_id for u in updates],
        "director_emails": [u.director_email for u in updates],
        "invoice_keys": [u.invoice_key for u in updates],
        "statuses": [u.status for u in updates],
        "notes": [u.note for u in updates],
        "expected_payment_dates": [u.expected_payment_date for u in updates],
        "promised_amounts": [None if u.promised_amount is None else str(u.promised_amount) for u in updates],
        "dispute_reasons": [u.dispute_reason for u in updates],
        "blockers": [u.blocker for u in updates],
        "submitted_ats": [utc_naive(u.submitted_at) for u in updates],
        "loaded_at": loaded_at,
    }


DIRECTOR_UPDATES = PortalInbox(
    table="director_updates",
    id_column="update_id",
    singular="update",
    plural="updates",
    read_after=updates_inbox.after,
    columns=_columns,
    watermark_sql="select coalesce(max(update_id), 0) from raw.director_updates",
    loaded_sql=(
        "select update_id, submission_id from raw.director_updates "
        "where update_id in (select unnest($ids::bigint []))"
    ),
)


def load_director_updates(
    con: duckdb.DuckDBPyConnection, store: PortalStore, now: dt.datetime
) -> dict[str, int]:
    """Load every update past the watermark, in batches, each batch in one transaction."""
    return load_inbox(con, store, DIRECTOR_UPDATES, now)


@dg.asset(key=["portal", "director_updates"], group_name="ingest", kinds={"sqlite", "duckdb"})
def director_updates(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Director answers submitted in the portal, each loaded once (by update id) into raw.director_updates."""
    return ingest_inbox(ledgerloop, DIRECTOR_UPDATES)


# A director's answer should reach the ledger within a minute, not at the next quarter hour.
new_director_updates_sensor = inbox_sensor(
    DIRECTOR_UPDATES,
    name="new_director_updates_sensor",
    description="Brings the lists up to date when directors have answered since the last run it asked for.",
)

defs = dg.Definitions(assets=[director_updates], sensors=[new_director_updates_sensor])
