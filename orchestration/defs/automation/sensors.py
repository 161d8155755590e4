"""Sensors."""


import hashlib

import dagster as dg

from orchestration.defs.automation.jobs import refresh_ledger_job
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.history import history_exports
from orchestration.ingest.landing import pending_files
from orchestration.ingest.payments.formats import pending_payment_files
from orchestration.ingest.sources import invoice_sources


def waiting_files(ledgerloop: LedgerloopResource) -> list[str]:
    """Landing files not processed yet (processed files leave landing for the archive)."""
    landing = ledgerloop.settings.landing_dir
    policy = ledgerloop.policy()
    sources = [*invoice_sources(policy), history_exports(policy)]
    waiting = [(source.name, path) for source in sources if source is not None
               for path in pending_files(landing / source.folder, source.suffixes)]
    waiting += [("payments", path) for path in pending_payment_files(landing, policy.sources.payments)]
    found = []
    for name, path in waiting:
        try:
            stat = path.stat()
        except FileNotFoundError:  # archived by a run while we looked
            continue
        found.append(f"{name}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return found


# A file dropped in landing/ should reach the ledger in seconds, not at the next quarter hour.
@dg.sensor(job=refresh_ledger_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_landing_files_sensor(context: dg.SensorEvaluationContext, ledgerloop: LedgerloopResource):
    """Starts a refresh when new files wait in landing/ (Salesforce, tracker, payments, history)."""
    files = waiting_files(ledgerloop)
    if not files:
        return dg.SkipReason("no new files in landing/")
    run_key = hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"ledgerloop/trigger": "new files"})
