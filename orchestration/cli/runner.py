"""`ledgerloop run`: one in-process materialization of everything, recorded in the Dagster
instance under `$LEDGERLOOP_HOME` (so it shows in the UI), and a summary a person can read."""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from functools import partial

import duckdb

from orchestration import heap
from orchestration.cli.run_progress import RunProgress
from orchestration.cli.run_summary import describe_failure
from orchestration.defs import dbt_warm
from orchestration.defs.instance import prepare_dagster_home
from orchestration.quality.validator import start_validator, stop_validator
from orchestration.runtime import RunFacts, now_utc
from orchestration.settings import Settings
from orchestration.storage.engine import DuckDBFile
from orchestration.storage.sessions import open_session
from orchestration.storage.warehouse import REJECTED_ROWS

JOB = "refresh_ledger_job"
ANSWER_LOOP_JOB = "answer_loop_job"

INBOUND_FILE_ASSETS = ("salesforce/invoices", "tracker/invoices", "payments/transactions", "history/invoices")
DIRECTOR_UPDATES = "portal/director_updates"
COLLECTOR_ENTRIES = "portal/collector_entries"
PEOPLE_OUTPUTS = (
    "outbox/alert_drafts", "outbox/dunning_drafts", "exports/manager_summary", "exports/statements",
)


@dataclass
class CheckLine:
    name: str
    passed: bool
    severity: str
    detail: str | None = None  # what went wrong, in words, where the check says so
    description: str | None = None  # what the check makes sure of, as the Dagster UI shows it


@dataclass
class RunOutcome:
    success: bool
    seconds: float
    run_id: str
    ingest: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, dict] = field(default_factory=dict)
    checks: list[CheckLine] = field(default_factory=list)
    buckets: list[tuple] = field(default_factory=list)
    totals: tuple = ()
    quarantined_total: int = 0
    payment_queue: list[tuple] | None = None
    """(currency, payments, unapplied cash) of the exception queue; None without cash application."""
    step_seconds: dict[str, float] = field(default_factory=dict)
    settings: Settings | None = None
    failure: str | None = None
    as_of: dt.date | None = None
    command_seconds: float | None = None
    """From the command's start (policy, loading, the run, the summary's reads); `seconds` is the
    Dagster run alone."""

    @property
    def blocking_failures(self) -> list[CheckLine]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    def as_dict(self) -> dict:
        """The summary for machines (`ledgerloop run --json`, the benchmark)."""
        return {
            "success": self.success, "seconds": round(self.seconds, 2),
            "command_seconds": None if self.command_seconds is None else round(self.command_seconds, 2),
            "run_id": self.run_id,
            "failure": self.failure, "ingest": self.ingest, "outputs": self.outputs,
            "step_seconds": self.step_seconds,
            "checks": [vars(c) for c in self.checks],
            "ledger": {"invoices": self.totals[0] if self.totals else 0,
                       "open": self.totals[1] if self.totals else 0},
            "open_by_bucket": [
                {"currency": c, "bucket": b, "invoices": n, "balance": str(v)}
                for c, b, n, v in self.buckets
            ],
            "quarantined_rows": self.quarantined_total,
            "payment_queue": None if self.payment_queue is None else [
                {"currency": c, "payments": n, "unapplied": str(v)} for c, n, v in self.payment_queue
            ],
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }

    def report(self) -> str:
        """The summary for people (`ledgerloop run`), see `run_summary`."""
        from orchestration.cli.run_summary import summary_text

        return summary_text(self)


def run_pipeline(settings: Settings, as_of: dt.date | None, *, progress: RunProgress | None = None,
                 verbose: bool = False, job: str = JOB, full_refresh: bool = False) -> RunOutcome:
    """Materialize every asset and check of `job` (everything: the refresh) once, in this process.
    `progress` hears of each step; dbt's own output and Dagster's log lines go to stderr only when
    `verbose`; `full_refresh` rebuilds dbt's incremental models from every record."""
    progress = progress or RunProgress(None)
    if job == JOB:  # its checks validate what was loaded: great-expectations loads meanwhile
        start_validator()
    try:
        with dbt_warm.started() as warm_dbt:  # dbt imports on the other core while Dagster loads
            return _run(settings, as_of, progress, verbose, job, full_refresh, warm_dbt)
    finally:
        stop_validator()


def _run(settings: Settings, as_of: dt.date | None, progress: RunProgress, verbose: bool, job: str,
         full_refresh: bool, warm_dbt: dbt_warm.WarmDbt) -> RunOutcome:
    progress.phase("Loading Dagster and the dbt project")
    with heap.loading_for_good():
        prepare_dagster_home(settings.dagster_home, settings.dagster_storage_url)
        from orchestration.defs.dbt import prepare_manifest

        prepare_manifest()
        import dagster as dg

        from orchestration.cli.run_events import check_descriptions, dbt_steps, step_event, step_plan
        from orchestration.definitions import defs

    facts = RunFacts.at(now_utc(), settings.policy().timezone, settings.home, settings.config_path, as_of)
    as_of = facts.as_of
    config = facts.run_config()  # once, for every step
    descriptions = check_descriptions(defs)
    explain = partial(describe_failure, warehouse=settings.warehouse_path)

    def hear(entry) -> None:
        try:
            if event := step_event(entry, descriptions, explain):
                progress.event(event)
        except Exception as error:  # noqa: BLE001 - progress must never break the run it reports on
            progress.unheard(error)

    full = {"full_refresh": True}
    dbt_config = {"ops": {step: {"config": full} for step in dbt_steps(defs, job)}} if full_refresh else {}
    run_id = str(uuid.uuid4())
    instance = dg.DagsterInstance.get()
    instance.add_event_listener(run_id, hear)
    instance.add_event_listener(run_id, _ending_after(dbt_steps(defs, job), warm_dbt))
    progress.start(step_plan(defs, job))
    started = time.monotonic()
    with _dbt_output(verbose):
        result = defs.resolve_job_def(job).execute_in_process(
            instance=instance, run_id=run_id, raise_on_error=False,
            run_config={
                "resources": {"ledgerloop": {"config": config}},
                **dbt_config,
                "loggers": {"console": {"config": {"log_level": "INFO" if verbose else "CRITICAL"}}},
            },
        )
    try:
        progress.catch_up(filter(None, (step_event(entry, descriptions, explain)
                                        for entry in instance.all_logs(run_id))))
    except Exception as error:  # noqa: BLE001 - as in `hear`
        progress.unheard(error)
    progress.close()
    outcome = RunOutcome(success=result.success, seconds=time.monotonic() - started,
                         run_id=result.run_id, settings=settings, as_of=as_of)
    _collect(outcome, instance, result, descriptions, explain)
    if outcome.blocking_failures:
        outcome.success = False
    read_warehouse_totals(outcome, settings)
    outcome.command_seconds = progress.elapsed()
    return outcome


def _ending_after(dbt_steps: list[str], warm_dbt: dbt_warm.WarmDbt) -> Callable[[object], None]:
    """A listener to the run's events that ends the warm dbt process once every dbt step has
    ended or been skipped: its memory is not held while the people's outputs run."""
    running = set(dbt_steps)

    def hear(entry) -> None:
        event = entry.dagster_event
        if event is not None and event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            running.discard(entry.step_key)
            if not running:
                warm_dbt.end()

    return hear


def _collect(outcome: RunOutcome, instance, result, descriptions: dict[str, str], explain) -> None:
    """Step timings, intake counts, outputs and check results from the run's events."""
    for stats in instance.get_run_step_stats(result.run_id):
        if stats.start_time and stats.end_time:
            outcome.step_seconds[stats.step_key] = stats.end_time - stats.start_time
    for event in result.all_events:
        if event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            key = materialization.asset_key.to_user_string()
            if key in (*INBOUND_FILE_ASSETS, DIRECTOR_UPDATES, COLLECTOR_ENTRIES):
                outcome.ingest[key] = {k: v.value for k, v in materialization.metadata.items()}
            elif key in PEOPLE_OUTPUTS:
                outcome.outputs[key] = {k: v.value for k, v in materialization.metadata.items()}
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            detail = evaluation.metadata.get("summary")
            outcome.checks.append(CheckLine(
                name, evaluation.passed, evaluation.severity.value, detail.value if detail else None,
                descriptions.get(name),
            ))
        elif event.is_step_failure and outcome.failure is None:
            outcome.failure = explain(event.step_failure_data.error.message)


@contextmanager
def _dbt_output(verbose: bool) -> Iterator[None]:
    """dagster-dbt copies dbt's log lines to stdout: on stderr with `verbose`, else dropped (dbt
    keeps its log in the run's target folder), so stdout holds only the summary."""
    with redirect_stdout(sys.stderr if verbose else _Discard()):
        yield


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


TOTALS_READ = [REJECTED_ROWS, "marts.reconciliation_exceptions", "marts.ar_ledger"]


def read_warehouse_totals(outcome: RunOutcome, settings: Settings) -> None:
    """The summary's numbers from the warehouse: quarantine, ledger, the payment queue."""
    engine = settings.warehouse
    if isinstance(engine, DuckDBFile) and not engine.path.exists():
        return
    try:
        with open_session(engine, reads=TOTALS_READ, read_only=True) as con:
            _read_totals(con, outcome)
    except duckdb.IOException:  # another process took the warehouse as the run ended: no totals
        pass


def _has_mart(con, table: str) -> bool:
    return con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?", [table]
    ).fetchone()[0] > 0


def _read_totals(con: duckdb.DuckDBPyConnection, outcome: RunOutcome) -> None:
    outcome.quarantined_total = con.execute("select count(*) from quarantine.rejected_rows").fetchone()[0]
    if _has_mart(con, "reconciliation_exceptions"):
        outcome.payment_queue = con.execute(
            "select coalesce(currency, 'n/a'), count(*), sum(unapplied_amount) "
            "from marts.reconciliation_exceptions group by all order by 1"
        ).fetchall()
    if not _has_mart(con, "ar_ledger"):
        return
    outcome.totals = con.execute(
        "select count(*), count(*) filter (where status = 'open'), "
        "coalesce(string_agg(distinct currency, ', ' order by currency), '') from marts.ar_ledger"
    ).fetchone()
    outcome.buckets = con.execute(
        "select coalesce(currency, 'n/a'), aging_bucket, count(*), sum(balance) "
        "from marts.ar_ledger where status = 'open' group by all order by 1, min(days_past_due)"
    ).fetchall()
