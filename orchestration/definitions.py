"""The ledgerloop code location: each part's definitions merged with the shared resources."""

import dagster as dg

from orchestration.defs import automation, ingest, outreach, quality, reporting, transform
from orchestration.defs.resources import build_resources
from orchestration.settings import apply_quiet_environment

apply_quiet_environment()

defs = dg.Definitions.merge(
    ingest.defs,
    transform.defs,
    quality.defs,
    outreach.defs,
    reporting.defs,
    automation.defs,
    dg.Definitions(resources=build_resources()),
)
