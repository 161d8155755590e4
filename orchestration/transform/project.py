"""The dbt project, built once. Its manifest is made by `dbt parse` (see `prepare_manifest`)."""

from __future__ import annotations

from functools import cache

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR


@cache
def ledgerloop_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()  # only under `dagster dev`: re-parse so edits show up
    return project


def prepare_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than any project file."""
    project = ledgerloop_dbt_project()
    manifest = project.manifest_path
    sources = [
        p for p in DBT_PROJECT_DIR.rglob("*")
        if p.suffix in {".sql", ".yml", ".yaml"} and "target" not in p.relative_to(DBT_PROJECT_DIR).parts
    ]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return
    project.preparer.prepare(project)
