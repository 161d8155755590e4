"""Data-quality checks as Dagster asset checks: great-expectations suites on what was loaded,
on the ledger, and the invoice sources' reconcile checks. Blocking checks stop what their
failure would corrupt."""


import dagster as dg

from orchestration.defs.quality.reconcile import files_reconcile_check
from orchestration.defs.resources import LedgerloopResource
from orchestration.quality import suites
from orchestration.quality.validator import validate_suite
from orchestration.storage.sessions import Rows, open_session
from orchestration.storage.warehouse import INGESTED_FILES

# Row-level GX rules run on a fixed-seed sample of what the newest load added: a pandas frame
# of millions of rows costs gigabytes. Every row is still covered by the ingest's SQL
# validation and by the reconcile check (counts, nothing loaded twice).
_NEWEST_LOAD = "_loaded_at = (select max(_loaded_at) from {table})"
_NEWEST_SAMPLE = ("select * from {table} where " + _NEWEST_LOAD
                  + " using sample reservoir(100000 rows) repeatable (42)")
# A fixed-seed sample keeps the ledger check fast at millions of rows; dbt tests cover every row.
_LEDGER_SAMPLE = (
    "select invoice_key, status, amount, balance, days_past_due, aging_bucket "
    "from marts.ar_ledger using sample reservoir(200000 rows) repeatable (42)"
)

SALESFORCE = dg.AssetKey(["salesforce", "invoices"])
TRACKER = dg.AssetKey(["tracker", "invoices"])
LEDGER = dg.AssetKey(["marts", "ar_ledger"])


def _newest_rows(ledgerloop: LedgerloopResource, table: str):
    """A sample of the rows of the newest load into a raw table (what this run added)."""
    newest = Rows(f"raw.{table}", _NEWEST_LOAD.format(table=f"raw.{table}"))
    with open_session(ledgerloop.settings.warehouse, reads=[newest], read_only=True) as con:
        return con.execute(_NEWEST_SAMPLE.format(table=f"raw.{table}")).df()


def _result(outcome: suites.Outcome, severity=dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=severity,
        metadata={
            "rows_validated": outcome.rows,
            "expectations": outcome.evaluated,
            "failed": dg.MetadataValue.md("\n".join(f"- {f}" for f in outcome.failed) or "none"),
        },
    )


@dg.asset_check(asset=SALESFORCE, blocking=True)
def raw_invoices_valid(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
    """GX on a sample of the rows just loaded: required fields, offices, currencies, balance <= amount."""
    return _result(validate_suite(
        _newest_rows(ledgerloop, "salesforce_invoices"), "raw_invoices_valid", ledgerloop.policy()))


@dg.asset_check(asset=SALESFORCE)
def raw_invoices_conform(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
    """GX on a sample of the rows just loaded: known stages, plausible director emails, a collector named."""
    return _result(validate_suite(
        _newest_rows(ledgerloop, "salesforce_invoices"), "raw_invoices_conform", ledgerloop.policy(),
    ), severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=TRACKER)
def tracker_rows_conform(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
    """GX on a sample of the tracker rows just loaded: known stages and an update date."""
    return _result(validate_suite(
        _newest_rows(ledgerloop, "tracker_invoices"), "tracker_rows_conform", ledgerloop.policy(),
    ), severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=SALESFORCE)
def no_file_rejected_whole(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
    """No inbound file was rejected as a whole (unreadable, empty, or missing a required column)."""
    with open_session(ledgerloop.settings.warehouse, reads=[INGESTED_FILES], read_only=True) as con:
        rejected = con.execute(
            "select source, file_name, error from raw.ingested_files "
            "where status = 'rejected' order by ingested_at desc limit 20"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not rejected,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rejected_files": dg.MetadataValue.md(
            "\n".join(f"- {source}/{name}: {error}" for source, name, error in rejected) or "none"
        )},
    )


salesforce_rows_reconcile = files_reconcile_check(
    SALESFORCE, "salesforce", "salesforce_rows_reconcile",
    "Every file: rows read = loaded + quarantined, and raw and quarantine hold exactly those rows.",
)
tracker_rows_reconcile = files_reconcile_check(
    TRACKER, "tracker", "tracker_rows_reconcile",
    "Every file: rows read = loaded + quarantined, and raw and quarantine hold exactly those rows.",
)


@dg.asset_check(asset=LEDGER, blocking=True)
def ledger_consistent(ledgerloop: LedgerloopResource) -> dg.AssetCheckResult:
    """GX on a sample of the ledger: unique keys, balances within amounts, aging exactly on open invoices."""
    with open_session(ledgerloop.settings.warehouse, reads=["marts.ar_ledger"], read_only=True) as con:
        frame = con.execute(_LEDGER_SAMPLE).df()
    return _result(validate_suite(frame, "ledger_consistent", ledgerloop.policy()))


defs = dg.Definitions(asset_checks=[
    raw_invoices_valid, raw_invoices_conform, tracker_rows_conform, no_file_rejected_whole,
    salesforce_rows_reconcile, tracker_rows_reconcile, ledger_consistent,
])
