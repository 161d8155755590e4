"""The dbt project and the dbt CLI resource, each built once.

The manifest is made by `dbt parse` before definitions load (`prepare_manifest`), by the
command that loads them or, under `dagster dev`, by the code server as it loads them (so edits to
the project show up); never by dagster-dbt's own `prepare_if_dev`, which parses the whole project
on every load (~6 s) and, in a process where dbt-core is not loaded (`dagster_dbt_loaded`), first
logs a traceback of the dbt adapter it cannot open.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path

from packaging import version

from orchestration.defs.dagster_dbt_loaded import DbtCliResource, DbtProject
from orchestration.settings import DBT_PROJECT_DIR, Settings

TARGET_PATHS = {"local": "target", "postgres": "target_postgres"}
"""Each engine's manifest apart: models enabled per engine differ (the risk model)."""
FULL_PARSE = ["parse", "--quiet", "--no-partial-parse"]
"""How the project's manifest is made after a change: in full (see `forget_stale_parse`)."""


@cache
def ledgerloop_dbt_project(target: str | None = None) -> DbtProject:
    """The project for the warehouse's engine (`target`: profiles.yml's output, default the
    settings' engine)."""
    target = target or Settings().warehouse.dbt_target
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target=target,
                      target_path=TARGET_PATHS[target], prepare_project_cli_args=FULL_PARSE)


class VenvDbtCliResource(DbtCliResource):
    """dbt-core from this virtualenv, run as dbt's own process and nothing more.

    dagster-dbt learns the dbt version by running `dbt --version`, which also asks PyPI for the
    latest release: a call out of the machine and ~2.5 s on every run. The installed package
    already knows its version.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        """No dbt adapter inside the Dagster process: dagster-dbt opens one only to fetch column
        metadata and row counts, which this project does not ask for, and it costs seconds of
        imports and profile loading on every run (dbt itself runs in its own process)."""
        return None


FILE_LOG_FLAGS = ["--log-level-file", "info", "--log-format-file", "text"]
"""dbt's own log file (`dbt.log` in the run's target folder) in plain lines at info level: what
ran, what failed and why. At dbt's default (every statement's SQL, as JSON events) it writes ~9 MB
on the 5,000-invoice demo and a tenth of the build's time goes to it; the SQL each node ran is in
the target's `compiled/` and `run/` folders. dagster-dbt reads dbt's stdout, which stays JSON."""


def dbt_resource() -> VenvDbtCliResource:
    return VenvDbtCliResource(
        project_dir=ledgerloop_dbt_project(),
        # the venv's dbt (not PATH's), through `ledgerloop-dbt` (orchestration/defs/dbt_process.py)
        dbt_executable=str(Path(sys.executable).parent / "ledgerloop-dbt"),
        global_config_flags=FILE_LOG_FLAGS,
    )


@contextmanager
def kept_target_path(home: Path, dbt_target: str = "local") -> Iterator[Path | None]:
    """Where this run's dbt keeps its artifacts: one folder per home and engine, kept between
    runs, so dbt parses only what changed since the last run (its partial parse file lives there)
    and nothing grows by a copy per run. While another run of this home is inside dbt (a
    command-line run beside the daemon's), None: dagster-dbt's own fresh folder for this run."""
    folder = home.resolve() / "dbt" / TARGET_PATHS[dbt_target]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / "target.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            forget_stale_parse(folder, ledgerloop_dbt_project(dbt_target).manifest_path)
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


CODE_PACKAGES = ("dbt-core", "dbt-duckdb", "dbt-postgres", "duckdb")


def dbt_code_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """What the models' SQL runs on besides their own files, as a short hash: the project's macros
    and the dbt, adapter and DuckDB versions. A model that keeps its rows across runs (the risk
    features) builds them all again when it moves; its own file's checksum dbt knows."""
    digest = hashlib.sha256()
    for path in sorted((project_dir / "macros").rglob("*.sql")):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0" + path.read_bytes())
    for package in CODE_PACKAGES:
        try:
            digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{package} absent".encode())
    return digest.hexdigest()[:16]


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def forget_stale_parse(folder: Path, manifest: Path) -> None:
    """Drop dbt's partial-parse state in `folder` when it predates the project's manifest (the
    project changed since): dbt parses in full once. Parsing partially across a change of one of
    two same-named models (`account_risk`: a Python model on DuckDB, SQL on PostgreSQL, one
    disabled per engine) makes dbt lose the enabled one."""
    state = folder / PARTIAL_PARSE_FILE
    if state.exists() and manifest.exists() and state.stat().st_mtime < manifest.stat().st_mtime:
        state.unlink()


@contextmanager
def engine_environment(variables: dict[str, str]) -> Iterator[None]:
    """Variables for dbt's process (the engine's, which profiles.yml's `postgres` output reads; the
    run's day) in this process's environment while dbt's process starts, which copies it;
    restored after."""
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def prepare_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than any project file.

    One process parses at a time (a command-line run starting beside the daemon's, or tests in
    parallel): the others wait, then find the manifest fresh instead of writing it over."""
    project = ledgerloop_dbt_project()
    manifest = project.manifest_path
    sources = [
        p for p in DBT_PROJECT_DIR.rglob("*")
        if p.suffix in {".sql", ".py", ".yml", ".yaml"}
        and not {"logs", *TARGET_PATHS.values()} & set(p.relative_to(DBT_PROJECT_DIR).parts)
    ]

    def fresh() -> bool:
        return manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources)

    if fresh():
        return
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / "parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not fresh():
            dbt_resource().cli(FULL_PARSE, target_path=project.target_path).wait()
