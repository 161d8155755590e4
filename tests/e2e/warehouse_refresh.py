"""`python -m tests.e2e.warehouse_refresh HOME STARTED_AT [JOB]`: `ledgerloop run`'s refresh of
HOME (or another job of it, e.g. the answer loop) on the engine the environment names, as if
started at STARTED_AT (so two engines' runs stamp their rows alike); prints the run's summary for
machines (`ledgerloop run --json`'s).

A process of its own, because the code location binds its engine when it loads."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from orchestration.cli import runner
from orchestration.settings import Settings


def main(home: str, started_at: str, job: str = runner.JOB) -> int:
    moment = dt.datetime.fromisoformat(started_at)
    runner.now_utc = lambda: moment
    outcome = runner.run_pipeline(Settings(home=Path(home)), None, job=job)
    print(json.dumps({**outcome.as_dict(), "report": outcome.report()}, default=str))
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
