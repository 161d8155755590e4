"""The manager summary page as a Dagster asset, rebuilt from the marts it charts."""

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.reporting.manager import read_summary, render_page, write_page
from orchestration.storage.sessions import open_session

SOURCES = [
    dg.AssetKey(["marts", name])
    for name in (
        "ar_ledger",  # accounts' names
        "ar_aging_daily",
        "collector_workload",
        "collections_kpis",
        "alerts",
        "account_risk",
        "credit_limits",
    )
]
"""The marts the page reads; a missing one leaves its section saying so."""


@dg.asset(key=["exports", "manager_summary"], deps=SOURCES, group_name="reports", kinds={"html", "svg"})
def manager_summary(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """The manager summary page with SVG charts in exports/manager/<as_of>/index.html."""
    policy = ledgerloop.policy()
    as_of = ledgerloop.facts.as_of
    marts = [".".join(key.path) for key in SOURCES]
    with open_session(ledgerloop.settings.warehouse, reads=marts, read_only=True) as con:
        summary = read_summary(
            con,
            as_of,
            [bucket.label for bucket in policy.aging.buckets],
            office_names={office.code: office.name for office in policy.offices},
        )
    path = write_page(render_page(summary), ledgerloop.settings.exports_dir, as_of)
    states = {section.key: section.state for section in summary.sections}
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "charts": sum(len(chart.svgs) for section in summary.sections for chart in section.charts),
            "sections_ready": sum(state == "ready" for state in states.values()),
            "sections_empty": ", ".join(k for k, v in states.items() if v == "empty") or "none",
            "sections_missing": ", ".join(k for k, v in states.items() if v == "missing") or "none",
        }
    )


defs = dg.Definitions(assets=[manager_summary])
