"""Invoice history from another system: exports in landing/history/ into `raw.history_invoices`.

The export's columns map to ledger fields through `sources.history` (orchestration/policy/history.py);
currency and office are a column or one value for the whole export. Every row is loaded or
quarantined with file, row, field and reason, and every file is processed once, like the other
sources (orchestration/ingest/files.py).
"""

import duckdb

from orchestration.ingest.files import TabularSource, register_lookups
from orchestration.ingest.tabular import SPREADSHEET_SUFFIXES, ColumnMapping
from orchestration.policy import Policy
from orchestration.policy.history import FALSE_WORDS, HISTORY_FIELDS, HISTORY_REQUIRED, TRUE_WORDS


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
