"""The collector workbench's read models, published to the portal store after each build."""

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.fingerprints import plan_all
from orchestration.outreach.portal_store import open_store
from orchestration.outreach.workbench import off_roster, read_models, read_workload, roster, worklist_state
from orchestration.storage.sessions import open_session
from portal.store import workbench

WORKLIST = dg.AssetKey(["marts", "collector_worklist"])
WORKLIST_ITEMS = dg.AssetKey(["marts", "collector_worklist_items"])
TIMELINE = dg.AssetKey(["marts", "account_timeline"])
WORKLOAD = dg.AssetKey(["marts", "collector_workload"])
_COLLECTORS = "select list(distinct collector), count(distinct account_id) from marts.collector_worklist"

@dg.asset(
    key=["portal", "collector_worklists"],
    deps=[WORKLIST, WORKLIST_ITEMS, TIMELINE, WORKLOAD],
    group_name="outreach",
    kinds={"sqlite"},
)
def collector_worklists(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Collector worklists by account, timelines and team workload, published to the portal store at once."""
    policy = ledgerloop.policy()
    with open_store(ledgerloop.settings.home) as store:
        # The warehouse's session ends before the write: DuckDB's memory of the planning (over
        # 600 MB at 1M invoices) is given back before the store holds the rows it writes.
        with open_session(ledgerloop.settings.warehouse, read_only=True, reads=[
                "marts.collector_worklist", "marts.collector_worklist_items", "marts.account_timeline",
                "marts.collector_workload", "raw.collector_entries"]) as con:
            workload = read_workload(con, policy)
            state = worklist_state(con, policy, ledgerloop.facts.as_of, ledgerloop.facts.started_at)
            planned = plan_all(con, store, read_models(policy))
            collectors, accounts = con.execute(_COLLECTORS).fetchone()
        counts = workbench.publish_planned(store, roster(policy), workload, state, planned)
    without_roster = off_roster(policy, collectors)
    return dg.MaterializeResult(
        metadata={
            **counts,
            "rows_written": sum(p.written for p in planned),
            "collectors": len(collectors),
            "accounts": accounts,
            "entries_through": state.entries_through,
            "collectors_not_on_roster": ", ".join(without_roster[:10]) or "none",
        }
    )


defs = dg.Definitions(assets=[collector_worklists])
