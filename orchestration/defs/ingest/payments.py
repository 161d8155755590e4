"""Payment files: receipts from landing/payments/ into `raw.payments`, with a blocking check that
every file's entries are all accounted for."""


import dagster as dg

from orchestration.defs.quality.quarantine_share import quarantine_share_result, quarantine_share_spec
from orchestration.defs.quality.reconcile import files_reconcile_check
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.payments.store import PaymentFileResult, ingest_payment_folder
from orchestration.storage.sessions import open_session
from orchestration.storage.warehouse import INGESTED_FILES, REJECTED_ROWS

PAYMENTS = dg.AssetKey(["payments", "transactions"])


def summarize_payments(results: list[PaymentFileResult]) -> dict:
    """Counts a person watching the run wants, and one line per file."""
    processed = [r for r in results if r.status in ("loaded", "rejected")]
    header = ("| file | format | status | read | receipts | non-receipts | quarantined | encoding "
              "| error |\n" + "|---" * 9 + "|\n")
    lines = "\n".join(
        f"| {r.file_name} | {r.format or ''} | {r.status} | {r.rows_read} | {r.receipts} "
        f"| {r.non_receipts} | {r.quarantined} | {r.encoding} | {(r.error or '').replace('|', '/')} |"
        for r in results
    )
    return {
        "files_processed": len(processed),
        "files_rejected": sum(r.status == "rejected" for r in results),
        "files_skipped_as_duplicates": sum(r.status == "duplicate" for r in results),
        "files_still_being_written": sum(r.status == "waiting" for r in results),
        "rows_read": sum(r.rows_read for r in processed),
        "rows_loaded": sum(r.receipts for r in processed),
        "rows_quarantined": sum(r.quarantined for r in processed),
        "rows_not_receipts": sum(r.non_receipts for r in processed),
        "rejected_files": dg.MetadataValue.text("\n".join(
            r.error if r.error.startswith(r.file_name) else f"{r.file_name}: {r.error}"
            for r in results if r.status == "rejected")),
        "waiting_files": dg.MetadataValue.text("\n".join(
            r.file_name for r in results if r.status == "waiting")),
        "files": dg.MetadataValue.md(header + lines if results else "no new files"),
    }


@dg.asset(key=PAYMENTS, group_name="ingest", kinds={"duckdb"},
          check_specs=[quarantine_share_spec(PAYMENTS)])
def payment_transactions(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Receipts from bank files in landing/payments/ (bank CSV, BAI2, camt.053/054), debits set aside."""
    settings = ledgerloop.settings
    sources = ledgerloop.policy().sources
    now = ledgerloop.facts.loaded_at
    with open_session(settings.warehouse, reads=[INGESTED_FILES], appends=[
            INGESTED_FILES, "raw.payment_files", "raw.payments", "raw.payment_non_receipts", REJECTED_ROWS,
    ]) as con:
        results = ingest_payment_folder(con, sources.payments, settings.landing_dir,
                                        settings.archive_dir, now, sources.intake.settle_seconds)
        metadata = summarize_payments(results)
        share = quarantine_share_result(
            con, "payments", [r.file_sha256 for r in results if r.status in ("loaded", "rejected")],
            metadata["rows_read"], metadata["rows_quarantined"],
            sources.intake.max_quarantined_share,
        )
    return dg.MaterializeResult(metadata=metadata, check_results=[share])


payment_files_reconcile = files_reconcile_check(
    PAYMENTS, "payments", "payment_files_reconcile",
    "Every payment file: entries read = receipts + non-receipts + quarantined, as the tables hold.",
)


non_receipts = dg.AssetSpec(
    ["payments", "non_receipts"], group_name="ingest",
    description="Entries of payment files that are not receipts (debits, reversals, returns) with the "
    "reason; written by payments/transactions.",
)

defs = dg.Definitions(
    assets=[payment_transactions, non_receipts], asset_checks=[payment_files_reconcile]
)
