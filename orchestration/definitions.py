"""The ledgerloop code location: each part's definitions merged with the shared resources."""

import dagster as dg

from orchestration.automation import definitions as automation
from orchestration.dunning import assets as dunning
from orchestration.ingest import assets as ingest
from orchestration.ingest import collector_entries, contacts, history, payment_assets, portal_updates
from orchestration.outreach import alerts, statements, workbench, worklists
from orchestration.outreach import assets as outreach
from orchestration.quality import check_failures
from orchestration.quality import checks as quality
from orchestration.reports import assets as reports
from orchestration.resources import build_resources
from orchestration.settings import apply_quiet_environment
from orchestration.transform import assets as transform

apply_quiet_environment()

defs = dg.Definitions.merge(
    ingest.defs,
    history.defs,
    payment_assets.defs,
    portal_updates.defs,
    collector_entries.defs,
    contacts.defs,
    transform.defs,
    quality.defs,
    check_failures.defs,
    outreach.defs,
    dunning.defs,
    worklists.defs,
    alerts.defs,
    workbench.defs,
    statements.defs,
    reports.defs,
    automation.defs,
    dg.Definitions(resources=build_resources()),
)
