"""The Dagster instance folder under `$LEDGERLOOP_HOME`, so CLI runs show up in the UI."""

from __future__ import annotations

import os
from pathlib import Path

# Telemetry off (no internet here, and no data leaves the team); one run at a time because
# DuckDB admits one writing process, and a run whose process never started (killed, crashed) is
# failed after 3 minutes rather than holding that one place for ever; the event log kept open
# (see `event_log`), in the folder Dagster's default SQLite storage uses, so earlier runs stay
# visible.
_INSTANCE_YAML = """\
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  max_resume_run_attempts: 0
event_log_storage:
  module: orchestration.defs.event_log
  class: KeptOpenSqliteEventLogStorage
  config:
    base_dir: {event_log}
"""


def prepare_dagster_home(folder: Path) -> Path:
    """Create the instance folder and its dagster.yaml, and point DAGSTER_HOME at it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    wanted = _INSTANCE_YAML.format(event_log=(folder.resolve() / "history" / "runs").as_posix())
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
    os.environ["DAGSTER_HOME"] = str(folder)
    return folder
