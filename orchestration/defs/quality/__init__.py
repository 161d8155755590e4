"""Quality wiring: great-expectations suites and reconciliation as asset checks, and failed checks
copied to the warehouse for the alerts."""

import dagster as dg

from orchestration.defs.quality import check_failures, checks

defs = dg.Definitions.merge(checks.defs, check_failures.defs)
