"""Transform wiring: the dbt project's models, snapshots and tests as assets and checks (and, on a
PostgreSQL warehouse, the risk scores its Python model computes on DuckDB)."""

import dagster as dg

from orchestration.defs.dbt import ledgerloop_dbt_project
from orchestration.defs.transform.assets import defs as dbt_defs


def _engine_defs() -> dg.Definitions:
    """The assets the dbt project's target needs besides dbt (the same target as its manifest)."""
    if ledgerloop_dbt_project().target != "postgres":
        return dg.Definitions()
    from orchestration.defs.transform.risk_scores import account_risk_scores

    return dg.Definitions(assets=[account_risk_scores])


defs = dg.Definitions.merge(dbt_defs, _engine_defs())

__all__ = ["defs"]
