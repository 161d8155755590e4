"""Failed data-quality checks, from Dagster's event log into `raw.check_failures`.

A failed check (a dbt test, a great-expectations suite, a reconciliation) is an alert for the
people who own the data (`marts.alerts`, kind `check_failed`). Dagster records every check
evaluation; this asset copies the failed ones the warehouse has not seen yet, at the start of
each run, so a failure in one run is alerted by the next (the run that failed may have been
stopped by it).
"""

import datetime as dt

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from orchestration.defs.resources import LedgerloopResource
from orchestration.storage.sessions import open_session

CHECK_FAILURES = dg.AssetKey(["dagster", "check_failures"])
FAILURES = "raw.check_failures"
_HISTORY_PER_CHECK = 100
_INSERT_NEW_FAILURE = """
    insert into raw.check_failures (check_name, asset_key, severity, description, failed_at, run_id)
    select $1, $2, $3, $4, $5, $6
    where not exists (
        select 1 from raw.check_failures where check_name = $1 and asset_key = $2 and run_id = $6
    )
"""


def failed_check_rows(instance: dg.DagsterInstance, check_keys, after: dt.datetime | None) -> list[tuple]:
    """(check_name, asset_key, severity, description, failed_at, run_id) of every failed
    evaluation recorded after `after` (UTC, naive), oldest first."""
    rows = []
    for key in check_keys:
        records = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=_HISTORY_PER_CHECK, status={AssetCheckExecutionRecordStatus.FAILED}
        )
        for record in records:
            # The evaluation's own time: the record's create_timestamp has whole seconds only.
            seconds = record.event.timestamp if record.event else record.create_timestamp
            failed_at = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
            if after is not None and failed_at <= after:
                continue
            evaluation = record.event.asset_check_evaluation if record.event else None
            severity = evaluation.severity.value if evaluation else "ERROR"
            description = (evaluation.description if evaluation else None) or _metadata_text(evaluation)
            rows.append(
                (key.name, key.asset_key.to_user_string(), severity, description, failed_at, record.run_id)
            )
    return sorted(rows, key=lambda row: row[4])


def _metadata_text(evaluation) -> str | None:
    if evaluation is None or not evaluation.metadata:
        return None
    return "; ".join(f"{name}: {value.value}" for name, value in evaluation.metadata.items())[:2000]


@dg.asset(key=CHECK_FAILURES, group_name="quality", kinds={"dagster", "duckdb"})
def check_failures(context: dg.AssetExecutionContext, ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Failed data-quality checks from Dagster's event log, each loaded once, for the alerts."""
    # Every check of the job's code location (the refresh job selects them all).
    graph = context.job_def.asset_layer.asset_graph
    check_keys = sorted(graph.asset_check_keys, key=lambda key: key.to_user_string())
    with open_session(ledgerloop.settings.warehouse, reads=[FAILURES], appends=[FAILURES]) as con:
        (after,) = con.execute(f"select max(failed_at) from {FAILURES}").fetchall()[0]
        rows = failed_check_rows(context.instance, check_keys, after)
        if rows:
            # A failure already loaded (same check, same run) is never loaded twice.
            con.executemany(_INSERT_NEW_FAILURE, rows)
    return dg.MaterializeResult(
        metadata={
            "checks_watched": len(check_keys),
            "failures_loaded": len(rows),
            "failed_checks": ", ".join(sorted({row[0] for row in rows})[:20]) or "none",
        }
    )


defs = dg.Definitions(assets=[check_failures])
