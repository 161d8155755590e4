"""The ledgerloop code location: each part's definitions merged with the shared resources."""

import dagster as dg

from orchestration.defs import automation, ingest, outreach, quality, reporting, transform
from orchestration.defs.resources import build_resources
from orchestration.heap import skip_collection_at_exit
from orchestration.settings import apply_quiet_environment

apply_quiet_environment()
skip_collection_at_exit()  # a Dagster run worker (a sensor's refresh, the answer loop) exits after its run

defs = dg.Definitions.merge(
    ingest.defs,
    transform.defs,
    quality.defs,
    outreach.defs,
    reporting.defs,
    automation.defs,
    dg.Definitions(resources=build_resources()),
)
