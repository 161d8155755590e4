"""The files waiting in landing/ for a run, as the sensor and the run's input state see them."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.history import history_exports
from orchestration.ingest.landing import pending_files
from orchestration.ingest.payments.formats import pending_payment_files
from orchestration.ingest.sources import invoice_sources
from orchestration.policy import Policy


def waiting_files(landing: Path, policy: Policy) -> list[str]:
    """`source/name:size:mtime` of every landing file not processed yet (processed files leave
    landing for the archive), sorted."""
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
    return sorted(found)
