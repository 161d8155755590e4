"""Invoice history from another system: its asset and its reconcile check."""

import dagster as dg

from orchestration.defs.ingest.invoices import load_source
from orchestration.defs.quality.quarantine_share import CHECK_NAME, quarantine_share_spec
from orchestration.defs.quality.reconcile import files_reconcile_check
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.history import history_exports, prepare_history

HISTORY = dg.AssetKey(["history", "invoices"])

@dg.asset(key=HISTORY, group_name="ingest", kinds={"csv", "duckdb"},
          check_specs=[quarantine_share_spec(HISTORY)])
def history_invoices(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Invoice history exported from another system (landing/history/), mapped by sources.history."""
    source = history_exports(ledgerloop.policy())
    if source is None:
        return dg.MaterializeResult(
            metadata={"files_processed": 0, "note": "sources.history is not set"},
            check_results=[dg.AssetCheckResult(check_name=CHECK_NAME, passed=True,
                                               metadata={"note": "sources.history is not set"})],
        )
    return load_source(ledgerloop, source, prepare=prepare_history)


history_files_reconcile = files_reconcile_check(
    HISTORY, "history", "history_files_reconcile",
    "Every history file: rows read = rows loaded + rows quarantined, as the tables hold them.",
)


defs = dg.Definitions(assets=[history_invoices], asset_checks=[history_files_reconcile])
