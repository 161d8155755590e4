"""The tabular invoice sources as the policy configures them."""

from __future__ import annotations

from orchestration.ingest.files import TabularSource
from orchestration.ingest.tabular import SPREADSHEET_SUFFIXES, ColumnMapping
from orchestration.policy import Policy
from orchestration.policy.sources import (
    SALESFORCE_FIELDS,
    SALESFORCE_REQUIRED,
    TRACKER_FIELDS,
    TRACKER_REQUIRED,
)


def salesforce_exports(policy: Policy) -> TabularSource:
    """Report-export CSVs dropped in `landing/salesforce/` (and API extracts written there)."""
    config = policy.sources.salesforce
    return TabularSource(
        name="salesforce",
        folder=config.landing,
        suffixes=(".csv",),
        mapping=ColumnMapping(dict(config.columns), SALESFORCE_REQUIRED, SALESFORCE_FIELDS),
        locale=config.locale,
        sql_file="salesforce_invoices.sql",
    )


def legacy_tracker(policy: Policy) -> TabularSource:
    """The legacy collections tracker: a spreadsheet (.xlsx, .xls, .ods ...) or a CSV."""
    config = policy.sources.tracker
    return TabularSource(
        name="tracker",
        folder=config.landing,
        suffixes=(".csv", *sorted(SPREADSHEET_SUFFIXES)),
        mapping=ColumnMapping(dict(config.columns), TRACKER_REQUIRED, TRACKER_FIELDS),
        locale=config.locale,
        sql_file="tracker_invoices.sql",
        sheet=config.sheet,
    )


def invoice_sources(policy: Policy) -> tuple[TabularSource, ...]:
    """Every tabular invoice source, for whatever watches or loads them all."""
    return salesforce_exports(policy), legacy_tracker(policy)
