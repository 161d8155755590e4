"""Invoice history from another system: exports in landing/history/ into `raw.history_invoices`.

The export's columns map to ledger fields through `sources.history` (orchestration/policy/history.py);
currency and office are a column or one value for the whole export. Every row is loaded or
quarantined with file, row, field and reason, and every file is processed once, like the other
sources (orchestration/ingest/files.py).
"""

import dagster as dg
import duckdb

from orchestration.ingest.assets import load_source
from orchestration.ingest.files import TabularSource, register_lookups
from orchestration.ingest.tabular import SPREADSHEET_SUFFIXES, ColumnMapping
from orchestration.policy import Policy
from orchestration.policy.history import FALSE_WORDS, HISTORY_FIELDS, HISTORY_REQUIRED, TRUE_WORDS
from orchestration.quality.quarantine_share import CHECK_NAME, quarantine_share_spec
from orchestration.resources import LedgerloopResource
from orchestration.warehouse import connect, query_sql_file

HISTORY = dg.AssetKey(["history", "invoices"])


def history_exports(policy: Policy) -> TabularSource | None:
    """The history export as the policy maps it, or None when `sources.history` is not set.

    Fields the export has no column for get a label no header carries (so they read as empty)
    that says where their value comes from; quarantine reasons quote it.
    """
    config = policy.sources.history
    if config is None:
        return None
    columns = {
        field: config.columns.get(field, f"{field} (sources.history.{field})") for field in HISTORY_FIELDS
    }
    return TabularSource(
        name="history",
        folder=config.landing,
        suffixes=(".csv", *sorted(SPREADSHEET_SUFFIXES)),
        mapping=ColumnMapping(columns, HISTORY_REQUIRED),
        locale=config.locale,
        sql_file="history_invoices.sql",
        sheet=config.sheet,
    )


def register_history_settings(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """`history_settings`, read by history_invoices.sql: the export-wide currency and office, and
    the words that mean disputed or not."""
    config = policy.sources.history
    con.execute(
        "create or replace temp table history_settings as select ?::varchar as fixed_currency, "
        "?::varchar as fixed_office, ?::varchar[] as true_words, ?::varchar[] as false_words",
        [
            config.currency if config else None,
            config.office if config else None,
            list(TRUE_WORDS),
            list(FALSE_WORDS),
        ],
    )


def prepare_history(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """What history_invoices.sql looks up: office and stage spellings, the export's settings."""
    register_lookups(con, policy)
    register_history_settings(con, policy)


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
        files = query_sql_file(con, "history_reconcile.sql").fetchall()
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
