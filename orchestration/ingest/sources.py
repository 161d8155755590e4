"""The tabular invoice sources as the policy configures them."""

from __future__ import annotations

from orchestration.config import SALESFORCE_REQUIRED, TRACKER_REQUIRED, Policy
from orchestration.ingest.files import TabularSource
from orchestration.ingest.tabular import ColumnMapping


def salesforce_exports(policy: Policy) -> TabularSource:
    """Report-export CSVs dropped in `landing/salesforce/` (and API extracts written there)."""
    config = policy.sources.salesforce
    return TabularSource(
        name="salesforce",
        folder=config.landing,
        suffixes=(".csv",),
        mapping=ColumnMapping(dict(config.columns), SALESFORCE_REQUIRED),
        locale=config.locale,
        sql_file="salesforce_invoices.sql",
    )


def legacy_tracker(policy: Policy) -> TabularSource:
    """The legacy collections tracker spreadsheet (`.xlsx` or `.csv`)."""
    config = policy.sources.tracker
    return TabularSource(
        name="tracker",
        folder=config.landing,
        suffixes=(".xlsx", ".xlsm", ".csv"),
        mapping=ColumnMapping(dict(config.columns), TRACKER_REQUIRED),
        locale=config.locale,
        sql_file="tracker_invoices.sql",
        sheet=config.sheet,
    )
