"""Validating frames against the named suites, in a process of its own that `ledgerloop run`
starts first.

Importing great-expectations (and the scipy it pulls in) takes 2-3 s of one core, on every run
that loads new rows, before its first check can run. A run's own process is busy meanwhile
(loading Dagster and the definitions, then ingesting) and the machine's second core is idle, so
`ledgerloop run` starts this validator before it loads anything: the import is done by the time
the first check asks. Without a started validator (the Dagster daemon's runs, tests), frames are
validated in the caller's process, as before; if the validator's process dies, the same.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and the suites load in the validator's process, not before it starts
    import pandas as pd

    from orchestration.policy import Policy
    from orchestration.quality.suites import Outcome

_validator: ProcessPoolExecutor | None = None

LAST_OF_A_RUN = "ledger_consistent"
"""The suite a refresh validates last (the ledger's, right after dbt): then the validator's
process is told to end, so its memory is not held while the people's outputs run (where a large
book's run peaks). The run goes on meanwhile: the process takes a second or more to exit (its
interpreter's teardown with great-expectations loaded), which the run need not wait for."""


def _warm() -> None:
    from orchestration.quality.suites import context

    context()  # imports great-expectations, once per validator process


def _validated(frame: pd.DataFrame, suite: str, policy: Policy) -> Outcome:
    from orchestration.quality.suites import SUITES, validate

    return validate(frame, suite, SUITES[suite](policy))


def start_validator() -> Future:
    """Start the validator's process and its import (idempotent); the future is done when the
    validator is ready."""
    global _validator
    if _validator is None:
        # `spawn`: the caller is (or soon is) a threaded process (Dagster) that is unsafe to fork.
        _validator = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _validator.submit(_warm)


def stop_validator(wait: bool = True) -> None:
    """End the validator's process; with `wait`, return once it has exited."""
    global _validator
    if _validator is not None:
        _validator.shutdown(wait=wait, cancel_futures=True)
        _validator = None


def validate_suite(frame: pd.DataFrame, suite: str, policy: Policy) -> Outcome:
    """`frame` against the named suite (`suites.SUITES`) built from `policy`: in the validator's
    process when one was started, else here."""
    if _validator is not None:
        try:
            outcome = _validator.submit(_validated, frame, suite, policy).result()
        except BrokenProcessPool:
            stop_validator()  # its process died: this run validates here from now on
        else:
            if suite == LAST_OF_A_RUN:
                stop_validator(wait=False)
            return outcome
    return _validated(frame, suite, policy)
