"""The blocking reconcile check of a source's ingest asset: one builder for every source, so each
source's check reports the same way (files checked, and one line per file that does not add up)."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.reconcile import HELD_COUNTS, reconcile_source
from orchestration.storage.sessions import open_session, query_where_kept
from orchestration.storage.warehouse import INGESTED_FILES


def files_reconcile_check(asset: dg.AssetKey, source: str, name: str,
                          description: str) -> dg.AssetChecksDefinition:
    """A blocking check on `asset`: every file of `source` reconciles with the tables."""

    @dg.asset_check(asset=asset, name=name, description=description, blocking=True)
    def _files_reconcile(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
        engine = ledgerloop.settings.warehouse
        with open_session(engine, reads=[INGESTED_FILES, "raw.payment_files"], read_only=True) as con:
            found = reconcile_source(con, source, held=query_where_kept(engine, con, HELD_COUNTS))
        return dg.AssetCheckResult(
            passed=not found.unreconciled,
            metadata={
                "files_checked": found.files_checked,
                "unreconciled": dg.MetadataValue.md(
                    "\n".join(f"- {file.describe()}" for file in found.unreconciled) or "none"
                ),
            },
        )

    return _files_reconcile
