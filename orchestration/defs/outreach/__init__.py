"""Outreach wiring: what the run makes for people (director jobs and drafts, dunning, alerts,
worklists, the workbench's read models, statements)."""

import dagster as dg

from orchestration.defs.outreach import (
    alerts,
    customers,
    director,
    dunning,
    recorded,
    statements,
    workbench,
    worklists,
)

defs = dg.Definitions.merge(
    director.defs, dunning.defs, recorded.defs, worklists.defs, alerts.defs, workbench.defs,
    statements.defs, customers.defs,
)
