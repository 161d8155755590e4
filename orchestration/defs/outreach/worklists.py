"""Each collector's ranked accounts as files, per day."""

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.worklists import export_worklists, read_worklists
from orchestration.state_records import state_folder
from orchestration.storage.sessions import open_session

WORKLIST = dg.AssetKey(["marts", "collector_worklist"])
WORKLIST_ITEMS = dg.AssetKey(["marts", "collector_worklist_items"])
RECORD = "worklist_files.json"
"""What the day's worklist folder holds (a digest per collector), so unchanged lists are kept."""

@dg.asset(
    key=["exports", "worklists"],
    deps=[WORKLIST, WORKLIST_ITEMS],
    group_name="outreach",
    kinds={"csv", "html"},
)
def worklists(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Each collector's ranked accounts as CSV, XLSX and a phone page in exports/worklists/<date>/."""
    policy = ledgerloop.policy()
    with open_session(ledgerloop.settings.warehouse, read_only=True,
                      reads=["marts.collector_worklist", "marts.collector_worklist_items"]) as con:
        lists = read_worklists(con)
    exported = export_worklists(lists, ledgerloop.settings.exports_dir, ledgerloop.facts.as_of,
                                policy.worklist.page_items, state_folder(ledgerloop.settings.home) / RECORD,
                                workers=policy.worklist.export_workers)
    return dg.MaterializeResult(metadata={
        "collectors": len(lists),
        "collectors_unchanged": len(exported.kept),
        "accounts": exported.rows,
        "folder": str(exported.folder),
        "files": ", ".join(
            f"{stem}.csv/-invoices.csv/.xlsx/.html" for stem in exported.files_by_collector.values()
        ) or "none",
    })


defs = dg.Definitions(assets=[worklists])
