"""The ledgerloop code location: each part's definitions merged with the shared resources."""

import dagster as dg

from orchestration.automation import definitions as automation
from orchestration.ingest import assets as ingest
from orchestration.ingest import payment_assets, portal_updates
from orchestration.outreach import assets as outreach
from orchestration.outreach import worklists
from orchestration.quality import checks as quality
from orchestration.resources import build_resources
from orchestration.settings import apply_quiet_environment
from orchestration.transform import assets as transform

apply_quiet_environment()

defs = dg.Definitions.merge(
    ingest.defs, payment_assets.defs, portal_updates.defs, transform.defs, quality.defs,
    outreach.defs, worklists.defs, automation.defs,
    dg.Definitions(resources=build_resources()),
)
