"""`python -m tests.e2e.warehouse_refresh HOME STARTED_AT`: ingest, its checks, dbt and (on
PostgreSQL) the risk scores, as the refresh runs them, on the engine the environment names.

A process of its own, because the code location binds its engine when it loads. The steps after
dbt (outreach, publishing, reports) are not selected: they still read the DuckDB file only."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import dagster as dg

from orchestration.defs.dbt import prepare_manifest
from orchestration.runtime import RunFacts
from orchestration.settings import Settings

SELECTED_GROUPS = ("ingest", "staging", "intermediate", "marts", "snapshots")


def main(home: str, started_at: str) -> int:
    settings = Settings(home=Path(home))
    prepare_manifest()
    from orchestration.definitions import defs

    facts = RunFacts.at(dt.datetime.fromisoformat(started_at), settings.policy().timezone, settings.home,
                        settings.config_path, None)
    keys = dg.AssetSelection.groups(*SELECTED_GROUPS).resolve(defs.resolve_asset_graph())
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=list(keys),
        run_config={"resources": {"ledgerloop": {"config": facts.run_config()}}})
    failed = {event.step_key: str(event.event_specific_data.error.cause or event.event_specific_data.error)[-2000:]
              for event in result.all_events if event.is_step_failure}
    checks = {f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
              for e in result.get_asset_check_evaluations()}
    print(json.dumps({"success": result.success, "failed_steps": failed, "checks": checks,
                      "steps": sorted({e.step_key for e in result.all_events if e.step_key})}))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
