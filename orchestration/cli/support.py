"""What the `ledgerloop` subcommands share: the settings of `--home`, the policy and the warehouse
opened read-only, each failing with a one-line message (exit 1) instead of a traceback.

Light to import (duckdb and the warehouse load inside the call) so `ledgerloop --help` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestration.settings import Settings

if TYPE_CHECKING:
    import duckdb

    from orchestration.policy import Policy
    from orchestration.storage.engine import Engine

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


home_option = click.option("--home", envvar="LEDGERLOOP_HOME", default=None,
                           help="Working folder (LEDGERLOOP_HOME, default ./var).")
"""Every command's `--home`: the one way the working folder is chosen."""


def settings_for(home: str | None) -> Settings:
    """The settings of `--home` (else `$LEDGERLOOP_HOME`, else `./var`), resolved once here and
    passed down; nothing writes the folder back into the environment. A setting that cannot work
    (`LEDGERLOOP_GROUP_ACCESS`, `LEDGERLOOP_DAGSTER_STORAGE_URL`) is a one-line error."""
    try:
        return Settings(home=Path(home)) if home else Settings()
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def prepared_settings(home: str | None) -> Settings:
    """`settings_for(home)` for a command that writes customer data: its folders made owner-only
    (or as `LEDGERLOOP_GROUP_ACCESS` says) before anything is written."""
    from orchestration.storage.private_paths import make_private

    settings = settings_for(home)
    make_private(settings.home, settings.group_access)
    return settings


def load_policy(settings: Settings) -> Policy:
    """The validated policy; when it is wrong, the error names the key."""
    from orchestration.policy import PolicyError

    try:
        return settings.policy()
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def read_only_warehouse(
    engine: Engine, busy: str, reads: Sequence[str]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened read-only, for commands that must not write it (on a server, the
    `reads` tables pulled into a DuckDB of this process's own). An error when there is none yet,
    or when it cannot be opened now (`busy` says why, e.g. a run holds the DuckDB file)."""
    import duckdb

    from orchestration.storage.engine import DuckDBFile
    from orchestration.storage.sessions import open_session
    from orchestration.storage.warehouse import connect

    if not isinstance(engine, DuckDBFile):
        with open_session(engine, reads=reads, read_only=True) as con:
            yield con
        return
    path = engine.path
    if not path.is_file():
        raise click.ClickException(f"no warehouse at {path}: run `ledgerloop run` first")
    try:
        with connect(path, read_only=True) as con:
            yield con
    except duckdb.IOException as exc:
        from orchestration.storage.warehouse_lock import explain_lock, is_lock_error

        reason = explain_lock(str(exc), path) if is_lock_error(str(exc)) else str(exc)
        raise click.ClickException(f"{busy}: {reason}") from None


def one_line(text: object) -> str:
    """One line without control characters (names come from spreadsheets and reach a terminal)."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(text))).strip()
