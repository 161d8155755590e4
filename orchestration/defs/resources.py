"""Dagster resources: where the pipeline works and what date it runs for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.dbt import dbt_resource
from orchestration.policy import Policy
from orchestration.settings import Settings
from orchestration.storage.private_paths import make_private


class LedgerloopResource(dg.ConfigurableResource):
    """The pipeline's home folder, policy file and as-of date (today when not given)."""

    home: str | None = None
    """Default: `$LEDGERLOOP_HOME`, else `./var`."""
    config_path: str | None = None
    """Default: `$LEDGERLOOP_CONFIG`, else the repo's `ledgerloop.yaml`."""
    as_of: str | None = None
    """ISO date the run ages invoices at; default: today in the policy's time zone."""

    @property
    def settings(self) -> Settings:
        defaults = Settings()
        return Settings(
            home=Path(self.home) if self.home else defaults.home,
            config_path=Path(self.config_path) if self.config_path else defaults.config_path,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Before a run writes anything: customer data folders owner-only (or as configured)."""
        settings = self.settings
        make_private(settings.home, settings.group_access)

    def policy(self) -> Policy:
        return self.settings.policy()

    def as_of_date(self, policy: Policy) -> dt.date:
        """The run's date: `as_of` if set, else today in the team's time zone."""
        if self.as_of:
            return dt.date.fromisoformat(self.as_of)
        return dt.datetime.now(ZoneInfo(policy.timezone)).date()


def build_resources() -> dict:
    """The resources every part of the code location shares."""
    return {
        "ledgerloop": LedgerloopResource(),
        "dbt": dbt_resource(),
    }
