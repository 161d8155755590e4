"""A run process's heap: what a run loads (Dagster, the definitions, dbt's manifest) lives until
the process exits, so the garbage collector need not walk it again and again.

Measured on a refresh of the 5,000-invoice demo: collections while all of that loaded took
0.6 s, and every later full collection, the last one at exit included (1.9 s), walked it again.
Only the console script (`run_as_script`) changes this; a command invoked in-process (tests,
`CliRunner`) keeps the interpreter's defaults, where freezing would keep earlier garbage alive.
At exit, the last collection still finalizes garbage that holds resources (a SQLite connection
in a reference cycle is closed then, its WAL checkpointed); what was loaded for good is left to the
OS (`_end_now`).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import NoReturn

_process_ends_with_command = False


def run_as_script(command: Callable[[], None]) -> None:
    """Run `command` (a click command in standalone mode, which exits) as the process's one
    command: see `loading_for_good`. When it loaded for good, the process ends as `_end_now`."""
    global _process_ends_with_command
    _process_ends_with_command = True
    code: object = None
    try:
        command()
    except SystemExit as exit_:
        if not gc.get_freeze_count():
            raise
        code = exit_.code  # and the exception goes: its traceback holds the command's garbage
    if gc.get_freeze_count():
        _end_now(code)


def _end_now(code: object) -> NoReturn:
    """End the process as the interpreter would (other threads waited for, the pools' idle
    workers woken first; exit handlers run, garbage finalized, output flushed) but without
    tearing down what was loaded for good object by object: the OS takes it back whole. Tearing
    it down took ~0.5 s after a 5,000-invoice refresh, and made DuckDB's bindings report every
    object still held there as leaked (on stderr, a screen of it)."""
    threading._shutdown()  # as the interpreter's exit: wakes thread pools' idle workers, joins
    atexit._run_exitfuncs()
    gc.collect()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as `sys.exit("message")`: the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(status)


@contextmanager
def loading_for_good() -> Iterator[None]:
    """Within: loading what lives as long as the process, with no collections meanwhile; after,
    what loading left behind is collected (finalizers and all) and the rest is kept out of every
    later collection."""
    if not _process_ends_with_command:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()
