"""Collector workbench entries from the portal store into `raw.collector_entries`, each exactly
once (contract C2).

Loaded by entry id with a lookback, refusing a replaced store, like the director updates (see
`portal_inbox`).
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
from portal.store import collector_entries as entries_inbox
from portal.store.collector_entries import CollectorEntry

__all__ = [
    "COLLECTOR_ENTRIES",
    "LOOKBACK_IDS",
    "PortalStoreReplaced",
    "collector_entries",
    "defs",
    "load_collector_entries",
    "new_collector_entries_sensor",
]


def _money(value) -> str | None:
    return None if value is None else str(value)


def _columns(entries: Sequence[CollectorEntry], loaded_at: dt.datetime) -> dict:
    return {
        "entry_ids": [e.entry_id for e in entries],
        "submission_ids": [e.submission_id for e in entries],
        "collector_emails": [e.collector_email for e in entries],
        "collectors": [e.collector for e in entries],
        "kinds": [e.kind for e in entries],
        "account_ids": [e.account_id for e in entries],
        "invoice_keys": [e.invoice_key for e in entries],
        "notes": [e.note for e in entries],
        "call_outcomes": [e.call_outcome for e in entries],
        "currencies": [e.currency for e in entries],
        "promised_amounts": [_money(e.promised_amount) for e in entries],
        "promised_dates": [e.promised_date for e in entries],
        "dispute_reasons": [e.dispute_reason for e in entries],
        "dispute_evidences": [e.dispute_evidence for e in entries],
        "dispute_deadlines": [e.dispute_deadline for e in entries],
        "resolutions": [e.resolution for e in entries],
        "plan_installments": [e.plan_installments for e in entries],
        "submitted_ats": [utc_naive(e.submitted_at) for e in entries],
        "entered_bys": [e.entered_by for e in entries],
        "invoice_key_sets": [e.invoice_keys for e in entries],
        "accepted_amounts": [_money(e.accepted_amount) for e in entries],
        "loaded_at": loaded_at,
    }


COLLECTOR_ENTRIES = PortalInbox(
    table="collector_entries",
    id_column="entry_id",
    singular="entry",
    plural="entries",
    read_after=entries_inbox.after,
    columns=_columns,
    watermark_sql="select coalesce(max(entry_id), 0) from raw.collector_entries",
    loaded_sql=(
        "select entry_id, submission_id from raw.collector_entries "
        "where entry_id in (select unnest($ids::bigint []))"
    ),
)


def load_collector_entries(
    con: duckdb.DuckDBPyConnection, store: PortalStore, now: dt.datetime
) -> dict[str, int]:
    """Load every entry past the watermark, in batches, each batch in one transaction."""
    return load_inbox(con, store, COLLECTOR_ENTRIES, now)


@dg.asset(key=["portal", "collector_entries"], group_name="ingest", kinds={"sqlite", "duckdb"})
def collector_entries(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Collector workbench entries, each loaded once (by entry id) into raw.collector_entries."""
    return ingest_inbox(ledgerloop, COLLECTOR_ENTRIES)


# A promise or dispute a collector records should reach the worklist within a minute.
new_collector_entries_sensor = inbox_sensor(
    COLLECTOR_ENTRIES,
    name="new_collector_entries_sensor",
    description="Brings the lists up to date when collectors have recorded entries since its last request.",
)

defs = dg.Definitions(assets=[collector_entries], sensors=[new_collector_entries_sensor])
