"""The collector workbench's read models, published to the portal store after each build."""

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.portal_store import open_store
from orchestration.outreach.workbench import read_models, roster, worklist_state
from orchestration.storage.warehouse import connect
from portal.store import workbench

WORKLIST = dg.AssetKey(["marts", "collector_worklist"])
WORKLIST_ITEMS = dg.AssetKey(["marts", "collector_worklist_items"])
TIMELINE = dg.AssetKey(["marts", "account_timeline"])
WORKLOAD = dg.AssetKey(["marts", "collector_workload"])

@dg.asset(
    key=["portal", "collector_worklists"],
    deps=[WORKLIST, WORKLIST_ITEMS, TIMELINE, WORKLOAD],
    group_name="outreach",
    kinds={"sqlite"},
)
def collector_worklists(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Collector worklists by account, timelines and team workload, published to the portal store at once."""
    policy = ledgerloop.policy()
    with connect(ledgerloop.settings.warehouse_path, read_only=True) as con:
        accounts, items, events, workload = read_models(con, policy)
        state = worklist_state(con, policy, ledgerloop.facts.as_of, ledgerloop.facts.started_at)
    with open_store(ledgerloop.settings.home) as store:
        counts = workbench.publish(store, roster(policy), items, events, workload, accounts, state)
    without_roster = sorted({a.collector for a in accounts if a.collector_email is None})
    return dg.MaterializeResult(
        metadata={
            **counts,
            "collectors": len({a.collector for a in accounts}),
            "accounts": len({a.account_id for a in accounts if a.account_id}),
            "entries_through": state.entries_through,
            "collectors_not_on_roster": ", ".join(without_roster[:10]) or "none",
        }
    )


defs = dg.Definitions(assets=[collector_worklists])
