"""Ingest assets: inbound invoice files into `raw`, bad rows into `quarantine`."""


import datetime as dt
import os

import dagster as dg

from orchestration.ingest.files import FileResult, TabularSource, ingest_folder, register_lookups
from orchestration.ingest.salesforce_api import extract_to_landing
from orchestration.ingest.sources import legacy_tracker, salesforce_exports
from orchestration.resources import LedgerloopResource
from orchestration.warehouse import connect


def load_source(ledgerloop: LedgerloopResource, source: TabularSource) -> dg.MaterializeResult:
    """Load every pending file of one source and report what happened to each row."""
    settings = ledgerloop.settings
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with connect(settings.warehouse_path) as con:
        register_lookups(con, ledgerloop.policy())
        results = ingest_folder(
            con, source, settings.landing_dir, settings.archive_dir, settings.home / "tmp", now
        )
    return dg.MaterializeResult(metadata=summarize(results))


def summarize(results: list[FileResult]) -> dict:
    """Asset metadata a person watching the run wants: counts and a line per file."""
    processed = [r for r in results if r.status != "duplicate"]
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
        "rows_read": sum(r.rows_read for r in processed),
        "rows_loaded": sum(r.rows_loaded for r in processed),
        "rows_quarantined": sum(r.rows_quarantined for r in processed),
        "files": dg.MetadataValue.md(header + "|---" * 8 + "|\n" + table if results else "no new files"),
    }


@dg.asset(key=["salesforce", "invoices"], group_name="ingest", kinds={"salesforce", "duckdb"})
def salesforce_invoices(context: dg.AssetExecutionContext, ledgerloop: LedgerloopResource):
    """Salesforce invoices: exports in landing/salesforce/, and the live org if SALESFORCE_* is set."""
    policy = ledgerloop.policy()
    extracts = extract_to_landing(
        policy, ledgerloop.settings.landing_dir / policy.sources.salesforce.landing, os.environ
    )
    if extracts:
        context.log.info(f"extracted from the Salesforce API: {[p.name for p in extracts]}")
    return load_source(ledgerloop, salesforce_exports(policy))


@dg.asset(key=["tracker", "invoices"], group_name="ingest", kinds={"excel", "duckdb"})
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
