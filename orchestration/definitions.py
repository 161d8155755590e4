"""The ledgerloop code location: each part's definitions merged with the shared resources."""

import dagster as dg

from orchestration.automation.definitions import defs as automation
from orchestration.ingest.assets import defs as ingest
from orchestration.quality.checks import defs as quality
from orchestration.resources import build_resources
from orchestration.settings import apply_quiet_environment
from orchestration.transform.assets import defs as transform

apply_quiet_environment()

defs = dg.Definitions.merge(
    ingest, transform, quality, automation, dg.Definitions(resources=build_resources())
)
