"""On a PostgreSQL warehouse, the risk scores dbt cannot compute there (dbt-postgres runs no
Python models): fitted and scored by the pipeline between the dbt models before and after them.

Dagster runs the dbt step in parts around this asset (the dbt assets can be subset), so one
refresh still builds everything in dependency order."""

import dagster as dg
import psycopg

from orchestration.defs.resources import LedgerloopResource
from orchestration.risk.on_postgres import FEATURES, SCORES, score_on_postgres
from orchestration.storage.sessions import writing_alone


@dg.asset(key=list(SCORES), deps=[dg.AssetKey(list(FEATURES))], group_name="marts",
          kinds={"python", "postgres"})
def account_risk_scores(
    context: dg.AssetExecutionContext, ledgerloop: LedgerloopResource
) -> dg.MaterializeResult:
    """Each account's payment-risk score, band and drivers, fitted on its settled invoices (the
    same model and fit as dbt's Python model on DuckDB); `marts.account_risk` reads them."""
    server = ledgerloop.settings.warehouse
    # one transaction: readers see the old scores or the new
    with (writing_alone(server, context.log.info, f"ledgerloop risk scores, run {context.run.run_id[:8]}"),
          psycopg.connect(**server.conninfo) as pg):
        scored = score_on_postgres(pg, ledgerloop.policy().risk, ledgerloop.facts.as_of)
    return dg.MaterializeResult(metadata={"accounts_scored": scored})
