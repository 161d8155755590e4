"""Invoice history from another system: its asset and its reconcile check."""

import dagster as dg

from orchestration.defs.ingest.invoices import load_source
from orchestration.defs.quality.quarantine_share import CHECK_NAME, quarantine_share_spec
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.history import history_exports, prepare_history
from orchestration.ingest.sql_files import ingest_sql
from orchestration.storage.warehouse import connect, query_sql_file

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


@dg.asset_check(asset=HISTORY, blocking=True)
def history_files_reconcile(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
    """Every history file: rows read = rows loaded + rows quarantined, as the tables hold them."""
    with connect(ledgerloop.settings.warehouse_path, read_only=True) as con:
        files = query_sql_file(con, ingest_sql("history_reconcile.sql")).fetchall()
    return dg.AssetCheckResult(
        passed=not files,
        metadata={
            "unreconciled_files": dg.MetadataValue.md(
                "\n".join(
                    f"- {f[0]}: read {f[1]}, loaded {f[2]} ({f[4]} in raw), quarantined {f[3]} "
                    f"({f[5]} in quarantine)"
                    for f in files
                )
                or "none"
            )
        },
    )


defs = dg.Definitions(assets=[history_invoices], asset_checks=[history_files_reconcile])
