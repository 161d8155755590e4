"""Ingest assets: inbound invoice files into `raw`, bad rows into `quarantine`."""


from collections.abc import Callable

import dagster as dg
import duckdb

from orchestration.defs.quality.quarantine_share import quarantine_share_result, quarantine_share_spec
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.files import FileResult, TabularSource, ingest_folder, register_lookups
from orchestration.ingest.salesforce_api import extract_to_landing
from orchestration.ingest.sources import legacy_tracker, salesforce_exports
from orchestration.policy import Policy
from orchestration.storage.sessions import open_session
from orchestration.storage.warehouse import INGESTED_FILES, REJECTED_ROWS


def load_source(ledgerloop: LedgerloopResource, source: TabularSource,
                prepare: Callable[[duckdb.DuckDBPyConnection, Policy], None] = register_lookups,
                ) -> dg.MaterializeResult:
    """Load every settled file of one source, report what happened to each row, and judge the
    share of rows quarantined (`prepare` registers what the source's SQL looks up)."""
    settings = ledgerloop.settings
    now = ledgerloop.facts.loaded_at
    policy = ledgerloop.policy()
    with open_session(settings.warehouse, reads=[INGESTED_FILES],
                      appends=[INGESTED_FILES, source.raw_table, REJECTED_ROWS]) as con:
        prepare(con, policy)
        results = ingest_folder(con, source, settings.landing_dir, settings.archive_dir,
                                settings.home / "tmp", now, policy.sources.intake.settle_seconds)
        metadata = summarize(results)
        share = quarantine_share_result(
            con, source.name, [r.file_sha256 for r in results if r.status in ("loaded", "rejected")],
            metadata["rows_read"], metadata["rows_quarantined"],
            policy.sources.intake.max_quarantined_share,
        )
    return dg.MaterializeResult(metadata=metadata, check_results=[share])


def summarize(results: list[FileResult]) -> dict:
    """Asset metadata a person watching the run wants: counts and a line per file."""
    processed = [r for r in results if r.status in ("loaded", "rejected")]
    table = "\n".join(
        f"| {r.file_name} | {r.status} | {r.rows_read} | {r.rows_loaded} | {r.rows_quarantined} "
        f"| {r.footer_lines} | {r.encoding} | {(r.error or '').replace('|', '/')} |"
        for r in results
    )
    header = "| file | status | read | loaded | quarantined | footer lines | encoding | error |\n"
    return {
        "files_processed": len(processed),
        "files_rejected": sum(r.status == "rejected" for r in results),
        "files_skipped_as_duplicates": sum(r.status == "duplicate" for r in results),
        "files_still_being_written": sum(r.status == "waiting" for r in results),
        "rows_read": sum(r.rows_read for r in processed),
        "rows_loaded": sum(r.rows_loaded for r in processed),
        "rows_quarantined": sum(r.rows_quarantined for r in processed),
        "rejected_files": dg.MetadataValue.text("\n".join(
            r.error if r.error.startswith(r.file_name) else f"{r.file_name}: {r.error}"
            for r in results if r.status == "rejected")),
        "waiting_files": dg.MetadataValue.text("\n".join(
            r.file_name for r in results if r.status == "waiting")),
        "files": dg.MetadataValue.md(header + "|---" * 8 + "|\n" + table if results else "no new files"),
    }


SALESFORCE = dg.AssetKey(["salesforce", "invoices"])
TRACKER = dg.AssetKey(["tracker", "invoices"])


@dg.asset(key=SALESFORCE, group_name="ingest", kinds={"salesforce", "duckdb"},
          check_specs=[quarantine_share_spec(SALESFORCE)])
def salesforce_invoices(context: dg.AssetExecutionContext, ledgerloop: LedgerloopResource):
    """Salesforce invoices: exports in landing/salesforce/, and the live org if SALESFORCE_* is set."""
    policy = ledgerloop.policy()
    settings = ledgerloop.settings
    extracts = extract_to_landing(
        policy, settings.landing_dir / policy.sources.salesforce.landing, settings.salesforce_environ,
        ledgerloop.facts.started_at,
    )
    if extracts:
        context.log.info(f"extracted from the Salesforce API: {[p.name for p in extracts]}")
    return load_source(ledgerloop, salesforce_exports(policy))


@dg.asset(key=TRACKER, group_name="ingest", kinds={"excel", "duckdb"},
          check_specs=[quarantine_share_spec(TRACKER)])
def tracker_invoices(ledgerloop: LedgerloopResource):
    """Stages and notes from the legacy collections tracker (.xlsx or .csv) in landing/tracker/."""
    return load_source(ledgerloop, legacy_tracker(ledgerloop.policy()))


bookkeeping = [
    dg.AssetSpec(
        ["ingest", "ingested_files"], group_name="ingest",
        description="Every inbound file processed (once, by content hash) with rows read, loaded and "
        "quarantined; written by the ingest assets.",
    ),
    dg.AssetSpec(
        ["quarantine", "rejected_rows"], group_name="ingest",
        description="Every inbound row that could not be loaded, with file, row number, field and "
        "reason; written by the ingest assets.",
    ),
]

defs = dg.Definitions(assets=[salesforce_invoices, tracker_invoices, *bookkeeping])
