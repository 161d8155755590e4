"""The dbt project and the dbt CLI resource, each built once.

The manifest is made by `dbt parse` before definitions load (`prepare_manifest`), or by
dagster-dbt itself under `dagster dev`.
"""

from __future__ import annotations

import importlib.metadata
import sys
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.settings import DBT_PROJECT_DIR


@cache
def ledgerloop_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()  # only under `dagster dev`: re-parse so edits show up
    return project


class VenvDbtCliResource(DbtCliResource):
    """dbt-core from this virtualenv.

    dagster-dbt learns the dbt version by running `dbt --version`, which also asks PyPI for the
    latest release: a call out of the machine and ~2.5 s on every run. The installed package
    already knows its version.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_resource() -> VenvDbtCliResource:
    return VenvDbtCliResource(
        project_dir=ledgerloop_dbt_project(),
        dbt_executable=str(Path(sys.executable).parent / "dbt"),  # the venv's, not PATH's
    )


def prepare_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than any project file."""
    project = ledgerloop_dbt_project()
    manifest = project.manifest_path
    sources = [
        p for p in DBT_PROJECT_DIR.rglob("*")
        if p.suffix in {".sql", ".py", ".yml", ".yaml"}
        and not {"target", "logs"} & set(p.relative_to(DBT_PROJECT_DIR).parts)
    ]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return
    dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
