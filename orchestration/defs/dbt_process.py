"""`ledgerloop-dbt`: dbt's own command line, with the garbage collector kept off what lives for
the whole process, debug events built only when a log takes them (`dbt_events`), each context's
macro namespace built a package at a time (`dbt_namespace`) and Jinja's compiled templates kept in
dbt's target folder between runs (`dbt_templates`).

dbt loads its manifest (thousands of objects that live until it exits), then runs the nodes.
Collecting that heap again and again while it loads, and in every later full collection, costs
seconds of a `dbt build` on the 5,000-invoice demo. Here collections are off while dbt loads;
once dbt says it starts running nodes, what loading left behind is collected (finalizers and
all) and the rest is frozen out of later collections. Arguments, output and exit codes are dbt's.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from contextlib import suppress
from pathlib import Path

WARM_DBT = "LEDGERLOOP_WARM_DBT"
"""The run's warm dbt process's socket (`dbt_warm`)."""

STARTS_RUNNING_NODES = "ConcurrencyLine"
"""dbt's event once the manifest is loaded and before the first node runs."""


def _on_event(message) -> None:
    if message.info.name == STARTS_RUNNING_NODES and not gc.isenabled():
        gc.collect()
        gc.freeze()
        gc.enable()


def run_dbt(args: list[str]) -> int:
    """dbt's command line on `args`, its exit code. The collector is off when this is called
    (`main`, or the warm process's fork) and comes back once the manifest is loaded."""
    from dbt.cli.main import cli

    from orchestration.defs import dbt_events, dbt_namespace, dbt_templates

    dbt_events.install()
    dbt_namespace.install()
    target = os.environ.get("DBT_TARGET_PATH")  # dagster-dbt's way of naming it
    templates = dbt_templates.install(Path(target) / dbt_templates.CACHE_FILE if target else None)
    try:
        cli.main(args=args, obj={"callbacks": [_on_event]})  # standalone: ends in SystemExit
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else int(done.code is not None)
    finally:
        templates.save()
    return 0


def main() -> None:
    """In a fork of the run's warm dbt process when it has one (`dbt_warm`), else here."""
    if address := os.environ.get(WARM_DBT):
        from orchestration.defs.dbt_warm import run_forked

        if (code := run_forked(address, sys.argv)) is not None:
            if code < 0:  # ended by a signal: end by the same one
                with suppress(OSError):  # SIGKILL's handler is the default already
                    signal.signal(-code, signal.SIG_DFL)
                os.kill(os.getpid(), -code)
            sys.exit(code)
    gc.disable()
    sys.exit(run_dbt(sys.argv[1:]))
