"""The Dagster instance folder under `$LEDGERLOOP_HOME`, so CLI runs show up in the UI."""

from __future__ import annotations

import os
from pathlib import Path

# Telemetry off (no internet here, and no data leaves the team); one run at a time because
# DuckDB admits one writing process.
_INSTANCE_YAML = """\
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
"""


def prepare_dagster_home(folder: Path) -> Path:
    """Create the instance folder and its dagster.yaml, and point DAGSTER_HOME at it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    if not config.exists() or config.read_text() != _INSTANCE_YAML:
        config.write_text(_INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(folder)
    return folder
