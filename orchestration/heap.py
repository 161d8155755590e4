"""A run process's heap: what a run loads (Dagster, the definitions, dbt's manifest) lives until
the process exits, so the garbage collector need not walk it again and again.

Measured on a refresh of the 5,000-invoice demo: collections while all of that loaded took
0.6 s, and every later full collection, the last one at exit included (1.9 s), walked it again.
Only the console script (`run_as_script`) changes this; a command invoked in-process (tests,
`CliRunner`) keeps the interpreter's defaults, where freezing would keep earlier garbage alive.
The heap is never frozen at exit: the last collection finalizes garbage that holds resources (a
SQLite connection in a reference cycle is closed then, its WAL checkpointed).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_process_ends_with_command = False


def run_as_script(command: Callable[[], None]) -> None:
    """Run `command` (a click command in standalone mode, which exits) as the process's one
    command: see `loading_for_good`."""
    global _process_ends_with_command
    _process_ends_with_command = True
    command()


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
