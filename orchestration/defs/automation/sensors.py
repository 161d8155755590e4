"""Sensors."""


import datetime as dt
import hashlib

import dagster as dg

from orchestration.defs.automation.jobs import refresh_ledger_job
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.waiting import waiting_files
from orchestration.run_inputs import finish_refresh


# A file dropped in landing/ should reach the ledger in seconds, not at the next quarter hour.
@dg.sensor(job=refresh_ledger_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_landing_files_sensor(context: dg.SensorEvaluationContext, ledgerloop: LedgerloopResource):
    """Starts a refresh when new files wait in landing/ (Salesforce, tracker, payments, history)."""
    files = waiting_files(ledgerloop.settings.landing_dir, ledgerloop.policy())
    if not files:
        return dg.SkipReason("no new files in landing/")
    run_key = hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"ledgerloop/trigger": "new files"})


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[refresh_ledger_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def refresh_finished_sensor(context: dg.RunStatusSensorContext, ledgerloop: LedgerloopResource):
    """Remembers what a finished refresh read, so the next tick with nothing new skips it."""
    run_id = context.dagster_run.run_id
    ended = context.instance.get_run_record_by_id(run_id).end_time
    settings = ledgerloop.settings
    finish_refresh(settings, settings.policy(), run_id, dt.datetime.fromtimestamp(ended, dt.UTC))
