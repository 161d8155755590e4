"""Dagster resources: where the pipeline works, its policy, and the run's facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from orchestration.defs.dbt import dbt_resource
from orchestration.policy import Policy, PolicyError
from orchestration.quality.validator import start_validator, stop_validator
from orchestration.run_inputs import begin_refresh, forget_refresh
from orchestration.runtime import RunFacts
from orchestration.settings import Settings
from orchestration.storage.kept_open import kept_open
from orchestration.storage.private_paths import make_private


class LedgerloopResource(dg.ConfigurableResource):
    """The pipeline's home folder and policy file, and the run's facts (day and start).

    The CLI and the schedules and sensors put `as_of` and `started_at` in the run's config; a run
    launched without them (by hand, in the Dagster UI) takes both from its own creation time, so
    every step of one run sees the same day.
    """

    home: str | None = None
    """Default: `$LEDGERLOOP_HOME`, else `./var`."""
    config_path: str | None = None
    """Default: `$LEDGERLOOP_CONFIG`, else the repo's `ledgerloop.yaml`."""
    as_of: str | None = None
    """ISO date the run ages invoices at; default: the run's start, in the policy's time zone."""
    started_at: str | None = None
    """ISO timestamp (UTC) the run started; default: the run's creation time."""
    _created_at: dt.datetime | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        defaults = Settings()
        return Settings(
            home=Path(self.home) if self.home else defaults.home,
            config_path=Path(self.config_path) if self.config_path else defaults.config_path,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[LedgerloopResource]:
        """For the whole run (the jobs' in-process executor makes the resource once): set up (see
        `setup_for_execution`), the warehouse file kept open between the steps' sessions
        (`kept_open`) and, for a job whose checks validate suites, great-expectations loading in
        the validator's process on the other core meanwhile (`ledgerloop run` starts it before
        anything else; the daemon's runs start it here)."""
        from orchestration.defs.automation.jobs import JOBS_WITH_SUITES  # the jobs' sensors import this

        self.setup_for_execution(context)
        validates = context.run is not None and context.run.job_name in JOBS_WITH_SUITES
        if validates:
            start_validator()
        try:
            with kept_open(self.settings.warehouse_path):
                yield self
        finally:
            if validates:
                stop_validator(wait=False)  # a run that failed before its last suite

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Before a run writes anything: customer data folders owner-only (or as configured), the
        run's creation time for a run launched without facts in its config, and its inputs (so a
        later refresh with nothing new can skip, see `run_inputs`)."""
        settings = self.settings
        make_private(settings.home, settings.group_access)
        run_id = context.run.run_id if context.run is not None else None
        record = None
        if context.instance is not None and run_id:
            record = context.instance.get_run_record_by_id(run_id)
        if record is not None:
            self._created_at = record.create_timestamp
            self._begin_refresh(settings, run_id)

    def _begin_refresh(self, settings: Settings, run_id: str) -> None:
        try:
            policy = self.policy()
        except PolicyError:  # the first step that reads the policy says what is wrong with it
            forget_refresh(settings.home)
            return
        begin_refresh(settings, policy, self.facts.as_of, run_id)

    def policy(self) -> Policy:
        return self.settings.policy()

    @property
    def facts(self) -> RunFacts:
        """The run's facts: from the run config, else from the run's creation time."""
        settings = self.settings
        started = dt.datetime.fromisoformat(self.started_at) if self.started_at else self._created_at
        if started is None:
            raise RuntimeError(
                "the run has no start time: give `started_at` (and `as_of`) in the ledgerloop "
                "resource's config, or launch it as a Dagster run"
            )
        as_of = dt.date.fromisoformat(self.as_of) if self.as_of else None
        return RunFacts.at(started, self.policy().timezone, settings.home, settings.config_path, as_of)


def build_resources() -> dict:
    """The resources every part of the code location shares."""
    return {
        "ledgerloop": LedgerloopResource(),
        "dbt": dbt_resource(),
    }
