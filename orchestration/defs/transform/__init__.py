"""Transform wiring: the dbt project's models, snapshots and tests as assets and checks (and, on a
PostgreSQL warehouse, the risk scores its Python model computes on DuckDB)."""

import dagster as dg

from orchestration.defs.transform.assets import defs as dbt_defs
from orchestration.settings import Settings


def _engine_defs() -> dg.Definitions:
    if Settings().warehouse.dbt_target != "postgres":
        return dg.Definitions()
    from orchestration.defs.transform.risk_scores import account_risk_scores

    return dg.Definitions(assets=[account_risk_scores])


defs = dg.Definitions.merge(dbt_defs, _engine_defs())

__all__ = ["defs"]
