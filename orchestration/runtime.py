"""The facts a run is about, resolved once at its edge and passed down as one frozen value: the
day it ages invoices at (in the policy's time zone), the moment it started (UTC), its home folder
and policy file.

The edges are `ledgerloop` commands, the schedules and sensors (a tick puts the day and the
moment in the run's config) and, for a run launched by hand in the Dagster UI, the run's own
creation time. Only they read the clock (`now_utc`); everything below takes these facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

AS_OF_VARIABLE = "LEDGERLOOP_AS_OF"
"""The run's day as dbt's process reads it while nodes run (dbt_project/macros/aging.sql
`as_of_date`, and `orchestration.risk.daily.model_inputs` for the Python models): not a dbt var,
which would have dbt parse the whole project again on each day's first run."""


def now_utc() -> dt.datetime:
    """The clock. Called at a run's edge only (a test fails if anything else calls a clock)."""
    return dt.datetime.now(dt.UTC)


def local_day(moment: dt.datetime, timezone: str) -> dt.date:
    """The calendar day `moment` falls on in `timezone` (the policy's: the team's "today")."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class RunFacts:
    """One run's day and moment, home and policy file."""

    as_of: dt.date
    """The day the run ages invoices at: today in the policy's time zone unless given."""
    started_at: dt.datetime
    """When the run started (aware, UTC): every row and file it writes is stamped with it."""
    home: Path
    config_path: Path

    @classmethod
    def at(cls, moment: dt.datetime, timezone: str, home: Path, config_path: Path,
           as_of: dt.date | None = None) -> RunFacts:
        """The facts of a run starting at `moment`: its day is `as_of` or `moment`'s local day."""
        started = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        return cls(as_of or local_day(started, timezone), started, home, config_path)

    @property
    def loaded_at(self) -> dt.datetime:
        """`started_at` as the naive UTC timestamp the warehouse stores."""
        return self.started_at.replace(tzinfo=None)

    def run_config(self) -> dict:
        """The resource config that carries these facts into a Dagster run."""
        return {"home": str(self.home), "config_path": str(self.config_path),
                "as_of": self.as_of.isoformat(), "started_at": self.started_at.isoformat()}
