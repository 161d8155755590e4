"""A run's process loads dagster-dbt without dbt-core (dbt runs in its own process), and the
asset graph, its checks and the jobs' selections are those dagster-dbt makes with dbt-core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DESCRIBE = """
import json, re, sys
if sys.argv[1] == "with dbt-core":
    import dbt.version  # loaded before: dagster-dbt loads as it is
from orchestration.definitions import defs
graph = defs.resolve_asset_graph()
assets = {}
for key in graph.get_all_asset_keys():
    node = graph.get(key)
    assets[key.to_user_string()] = [
        sorted(parent.to_user_string() for parent in node.parent_keys),
        sorted(str(check) for check in node.check_keys),
        node.group_name, node.description, sorted(node.tags.items()),
        sorted((name, re.sub(r" at 0x[0-9a-f]+", "", str(value))) for name, value in node.metadata.items()),
    ]
jobs = {name: sorted(n.name for n in defs.resolve_job_def(name).nodes)
        for name in ("refresh_ledger_job", "answer_loop_job")}
print(json.dumps({"assets": assets, "jobs": jobs, "dbt_core_loaded": "dbt.contracts.results" in sys.modules}))
"""


def _described(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", DESCRIBE, mode], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_graph_is_the_same_without_dbt_core_in_the_process():
    light, full = _described("as a run loads it"), _described("with dbt-core")
    assert not light.pop("dbt_core_loaded")
    assert full.pop("dbt_core_loaded")
    assert len(light["assets"]) > 60 and light["jobs"]["answer_loop_job"]
    assert light == full


def test_dagster_dev_s_code_server_parses_only_a_stale_project_and_logs_no_adapter_error():
    """Under `dagster dev`, dagster-dbt's own preparation parsed the whole project on every load
    (~6 s of `ledgerloop serve`'s start) and first logged a traceback of the dbt adapter it cannot
    open where dbt-core is not loaded. The code server parses only when the project changed."""
    from orchestration.defs.dbt import prepare_manifest

    prepare_manifest()  # fresh, as `ledgerloop serve` leaves it before starting `dagster dev`
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])  # as serve's
    done = subprocess.run([sys.executable, "-c", "import orchestration.definitions"], capture_output=True,
                          text=True, check=True, env={**os.environ, "DAGSTER_IS_DEV_CLI": "1", "PATH": path})
    assert "dbt adapter" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "dbt parse" not in done.stderr, done.stderr[-2000:]
