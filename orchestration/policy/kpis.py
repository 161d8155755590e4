"""`kpis:`: how the collections KPIs are computed."""

from __future__ import annotations

from pydantic import Field

from orchestration.policy._base import PolicyModel


class Kpis(PolicyModel):
    """Collections KPIs (`marts.collections_kpis`): how far DSO counts back and the CEI period."""

    countback_months: int = Field(default=12, ge=1, le=36)
    """DSO countback walks back through at most this many invoice months (the current month to
    date counts as the first); AR beyond their credit sales caps DSO at their days."""
    cei_period_days: int = Field(default=30, ge=1, le=366)
    """The collection effectiveness index covers the days ending at the as-of date: beginning
    receivables are those of the as-of date this many days earlier."""
