"""great-expectations suites, and validating a pandas frame against one.

GX's SQL datasource does not work against DuckDB (STACK-NOTES), so frames are read from the
warehouse and validated in memory; row-level rules on millions of rows stay in dbt tests.
GX is imported lazily: it costs seconds and only the validating step needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import pandas as pd

from orchestration.policy import Policy
from orchestration.quality.deferred_imports import defer


@dataclass(frozen=True)
class Outcome:
    success: bool
    evaluated: int
    failed: list[str]
    rows: int


def _great_expectations():
    """The great_expectations package, imported with what it loads for expectations and charts we
    never use (scipy.stats, altair) left as stand-ins (`deferred_imports`), analytics off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    for unused in ("scipy.stats", "altair"):
        defer(unused)
    import great_expectations

    return great_expectations


def _expectations():
    """great_expectations' expectation classes, the package loaded as `_great_expectations` does."""
    _great_expectations()
    import great_expectations.expectations as gxe

    return gxe


@cache
def context():
    """great-expectations' ephemeral context (the import is the cost, once per process)."""
    gx = _great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ephemeral = gx.get_context(mode="ephemeral")
    ephemeral.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ephemeral


def raw_invoices_valid(policy: Policy) -> list:
    """What every loaded Salesforce row must satisfy (a failure means ingest is broken)."""
    gxe = _expectations()

    return [
        *[gxe.ExpectColumnValuesToNotBeNull(column=c)
          for c in ("invoice_number", "office", "account_name", "due_date", "amount", "balance")],
        gxe.ExpectColumnValuesToBeInSet(column="office", value_set=[o.code for o in policy.offices]),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="amount", column_B="balance", or_equal=True),
        gxe.ExpectColumnValuesToBeBetween(column="balance", min_value=0),
        gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"),
    ]


def raw_invoices_conform(policy: Policy) -> list:
    """What loaded rows should look like; a failure is worth a look, not a stop."""
    gxe = _expectations()

    return [
        gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=list(policy.stages)),
        gxe.ExpectColumnValuesToMatchRegex(
            column="director_email", regex=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", mostly=0.99
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="collector", mostly=0.95),
        gxe.ExpectColumnValuesToNotBeNull(column="last_modified_at", mostly=0.95),
    ]


def tracker_conform(policy: Policy) -> list:
    """Legacy tracker rows: known stages and a date for each update."""
    gxe = _expectations()

    return [
        gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=list(policy.stages), mostly=0.95),
        gxe.ExpectColumnValuesToNotBeNull(column="updated_at", mostly=0.9),
    ]


def ledger_consistent(policy: Policy) -> list:
    """A sample of the ledger: balances within amounts, aging only and always on open invoices."""
    gxe = _expectations()
    from great_expectations.expectations.row_conditions import Column

    labels = [b.label for b in policy.aging.buckets]
    is_open, is_paid = Column("status") == "open", Column("status") == "paid"
    return [
        gxe.ExpectColumnValuesToBeUnique(column="invoice_key"),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["open", "paid"]),
        gxe.ExpectColumnValuesToBeBetween(column="balance", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="amount", column_B="balance", or_equal=True),
        gxe.ExpectColumnValuesToBeInSet(column="aging_bucket", value_set=labels),
        gxe.ExpectColumnValuesToNotBeNull(column="aging_bucket", row_condition=is_open),
        gxe.ExpectColumnValuesToBeNull(column="aging_bucket", row_condition=is_paid),
        gxe.ExpectColumnValuesToBeNull(column="days_past_due", row_condition=is_paid),
    ]


SUITES = {
    "raw_invoices_valid": raw_invoices_valid,
    "raw_invoices_conform": raw_invoices_conform,
    "tracker_rows_conform": tracker_conform,
    "ledger_consistent": ledger_consistent,
}
"""Each suite by the name its check validates under (`validator.validate_suite`)."""


def validate(frame: pd.DataFrame, name: str, expectations: list) -> Outcome:
    """Validate a frame against a list of expectations; name what failed. The frame's data
    source is dropped after, so the context (kept for the process's life) holds no frame: at 1M
    invoices the samples it kept were half a gigabyte through dbt's build."""
    gx = _great_expectations()
    sources = context().data_sources
    source = sources.add_or_update_pandas(name)
    try:
        asset = source.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
            batch_parameters={"dataframe": frame}
        )
        suite = gx.ExpectationSuite(name=name, expectations=expectations)
        result = batch.validate(suite)
    finally:
        sources.delete(name)
    failed = [
        _describe(r.expectation_config, r.result) for r in result.results if not r.success
    ]
    return Outcome(result.success, len(result.results), failed, len(frame))


def _describe(config, result: dict) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set")}
    unexpected = result.get("unexpected_count")
    sample = result.get("partial_unexpected_list", [])[:5]
    detail = f": {unexpected} unexpected, e.g. {sample}" if unexpected else ""
    return f"{config.type}({kwargs}){detail}"
