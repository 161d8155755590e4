"""Sensors."""


import hashlib

import dagster as dg

from orchestration.automation.jobs import refresh_ledger_job
from orchestration.ingest.landing import pending_files
from orchestration.ingest.sources import invoice_sources
from orchestration.resources import LedgerloopResource


def waiting_files(ledgerloop: LedgerloopResource) -> list[str]:
    """Landing files not processed yet (processed files leave landing for the archive)."""
    landing = ledgerloop.settings.landing_dir
    found = []
    for source in invoice_sources(ledgerloop.policy()):
        for path in pending_files(landing / source.folder, source.suffixes):
            try:
                stat = path.stat()
            except FileNotFoundError:  # archived by a run while we looked
                continue
            found.append(f"{source.name}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return found


# A file dropped in landing/ should reach the ledger in seconds, not at the next quarter hour.
@dg.sensor(job=refresh_ledger_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_landing_files_sensor(context: dg.SensorEvaluationContext, ledgerloop: LedgerloopResource):
    """Starts a refresh when new invoice files wait in landing/salesforce or landing/tracker."""
    files = waiting_files(ledgerloop)
    if not files:
        return dg.SkipReason("no new files in landing/")
    run_key = hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"ledgerloop/trigger": "new files"})
