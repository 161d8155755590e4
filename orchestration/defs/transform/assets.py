"""The dbt models, snapshots and tests as Dagster assets and checks."""


import json
import os

import dagster as dg

from orchestration.defs.dagster_dbt_loaded import DbtCliResource, dbt_assets
from orchestration.defs.dbt import (
    dbt_code_digest,
    engine_environment,
    kept_target_path,
    ledgerloop_dbt_project,
    prepare_manifest,
)
from orchestration.defs.resources import LedgerloopResource
from orchestration.defs.transform.translator import LedgerloopDbtTranslator
from orchestration.runtime import AS_OF_VARIABLE
from orchestration.storage.sessions import writing_alone

if os.environ.get("DAGSTER_IS_DEV_CLI"):  # the code server of `dagster dev`: edits show up
    prepare_manifest()


class DbtBuildConfig(dg.Config):
    """Launch with `full_refresh: true` (or `ledgerloop run --full-refresh`) to rebuild the
    incremental models from every raw record instead of only what changed since the last run."""

    full_refresh: bool = False


@dbt_assets(
    manifest=ledgerloop_dbt_project().manifest_path,
    project=ledgerloop_dbt_project(),
    dagster_dbt_translator=LedgerloopDbtTranslator(),
)
def ledgerloop_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, ledgerloop: LedgerloopResource,
    config: DbtBuildConfig,
):
    """Staging, deduplication, the AR ledger and its aging history, built with `dbt build`.

    The unit tests prove the SQL, not the day's data: they run in `make test`, not in every run.
    """
    facts = ledgerloop.facts
    # What stays the same from one run to the next (dbt parses again whenever its vars change):
    # the day is LEDGERLOOP_AS_OF (macros/aging.sql).
    dbt_vars = {
        "warehouse_path": str(ledgerloop.settings.warehouse_path),  # profiles.yml's DuckDB output reads it
        "code_digest": dbt_code_digest(),
        **ledgerloop.policy().dbt_vars(),
    }
    full_refresh = ["--full-refresh"] if config.full_refresh else []
    engine = ledgerloop.settings.warehouse
    with (kept_target_path(facts.home, engine.dbt_target) as target_path,
          writing_alone(engine, context.log.info, f"ledgerloop dbt, run {context.run.run_id[:8]}")):
        with engine_environment({**engine.dbt_environment(), AS_OF_VARIABLE: facts.as_of.isoformat()}):
            invocation = dbt.cli(
                ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test",
                 *full_refresh],
                target_path=target_path,
                context=context,
            )
        yield from invocation.stream()


defs = dg.Definitions(assets=[ledgerloop_dbt_models])
