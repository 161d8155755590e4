"""The Dagster instance folder under `$LEDGERLOOP_HOME`, so CLI runs show up in the UI.

Dagster's storage (runs, event log, schedules) is SQLite files in that folder by default, or a
PostgreSQL database when `LEDGERLOOP_DAGSTER_STORAGE_URL` is set: then the webserver, the daemon,
code servers and run workers on several machines share one history. dagster.yaml names the
variable, never its value, so the password stays in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.settings import DAGSTER_STORAGE_URL_ENV, Settings

# Telemetry off (no internet here, and no data leaves the team); one run at a time because a
# refresh rewrites the whole book and DuckDB admits one writing process, and a run whose process
# never started (killed, crashed) is failed after 3 minutes rather than holding that one place for
# ever.
_COMMON_YAML = """\
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  max_resume_run_attempts: 0
"""

# The event log kept open (see `event_log`), in the folder Dagster's default SQLite storage uses,
# so earlier runs stay visible.
_SQLITE_YAML = """\
event_log_storage:
  module: orchestration.defs.event_log
  class: KeptOpenSqliteEventLogStorage
  config:
    base_dir: {event_log}
"""

# dagster-postgres for run, event log and schedule storage; Dagster reads the URL from the
# environment of each process when it loads the instance.
_POSTGRES_YAML = f"""\
storage:
  postgres:
    postgres_url:
      env: {DAGSTER_STORAGE_URL_ENV}
"""


def instance_yaml(folder: Path, on_postgres: bool) -> str:
    """The dagster.yaml for an instance in `folder`, its storage in SQLite files or PostgreSQL."""
    if on_postgres:
        return _COMMON_YAML + _POSTGRES_YAML
    return _COMMON_YAML + _SQLITE_YAML.format(event_log=(folder.resolve() / "history" / "runs").as_posix())


def prepare_dagster_home(folder: Path, storage_url: str | None = None) -> Path:
    """Create the instance folder and its dagster.yaml, and point DAGSTER_HOME at it; with a
    `storage_url` (`Settings.dagster_storage_url`), Dagster's storage is that PostgreSQL database."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    wanted = instance_yaml(folder, storage_url is not None)
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
    os.environ["DAGSTER_HOME"] = str(folder)
    if storage_url is not None:
        os.environ[DAGSTER_STORAGE_URL_ENV] = storage_url
    return folder


if __name__ == "__main__":  # the deployment's one-shot set-up: `python -m orchestration.defs.instance`
    _settings = Settings()
    print(prepare_dagster_home(_settings.dagster_home, _settings.dagster_storage_url) / "dagster.yaml")
