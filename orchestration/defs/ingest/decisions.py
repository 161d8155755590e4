"""Manual cash-application decisions (`decisions/payment_decisions.jsonl`, written by
`ledgerloop payments resolve|unapply` and by customers' remittance advices) into
`raw.payment_decisions` before dbt, which applies the newest decision for each payment."""

import dagster as dg

from orchestration.cash.decisions import decisions_path, load_decisions
from orchestration.defs.resources import LedgerloopResource
from orchestration.storage.sessions import open_session


@dg.asset(key=["payments", "decisions"], group_name="ingest", kinds={"json", "duckdb"})
def payment_decisions(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Every decision of the file, replacing the last load; a line that is not a decision fails
    the load with the file and line, and cash application keeps the decisions it had."""
    path = decisions_path(ledgerloop.settings.home)
    with open_session(ledgerloop.settings.warehouse, replaces=["raw.payment_decisions"]) as con:
        loaded = load_decisions(con, path)
    return dg.MaterializeResult(
        metadata={"file": str(path), "file_found": path.exists(), "decisions": loaded}
    )


defs = dg.Definitions(assets=[payment_decisions])
