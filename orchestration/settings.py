"""Process settings read from the environment (never from the policy file).

`LEDGERLOOP_HOME` holds everything the pipeline writes; `LEDGERLOOP_CONFIG` points at the
policy. Both have defaults so that a fresh checkout works with no set-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from orchestration.storage.private_paths import ACCESS_MODES

if TYPE_CHECKING:
    from orchestration.policy import Policy
    from orchestration.storage.engine import Engine

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGSTER_STORAGE_URL_ENV = "LEDGERLOOP_DAGSTER_STORAGE_URL"
WAREHOUSE_URL_ENV = "LEDGERLOOP_WAREHOUSE_URL"


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads and writes."""

    home: Path = field(default_factory=lambda: Path(os.environ.get("LEDGERLOOP_HOME", "var")))
    """Root of the warehouse, landing, archive, outbox and exports (`LEDGERLOOP_HOME`)."""

    config_path: Path = field(
        default_factory=lambda: Path(
            os.environ.get("LEDGERLOOP_CONFIG", REPO_ROOT / "ledgerloop.yaml")
        )
    )
    """The collections policy file (`LEDGERLOOP_CONFIG`, default: the repo's `ledgerloop.yaml`)."""

    group_access: str = field(
        default_factory=lambda: os.environ.get("LEDGERLOOP_GROUP_ACCESS", "none").strip().lower()
    )
    """Who besides the owner may open the warehouse, exports and archive
    (`LEDGERLOOP_GROUP_ACCESS`): `none` (default), the owner's group to `read`, or to `write`."""

    dagster_storage_url: str | None = field(
        default_factory=lambda: os.environ.get(DAGSTER_STORAGE_URL_ENV, "").strip() or None, repr=False
    )
    """Dagster's run, event log and schedule storage on PostgreSQL
    (`LEDGERLOOP_DAGSTER_STORAGE_URL=postgresql+psycopg2://user:password@host:port/db`); unset, SQLite files
    under `$LEDGERLOOP_HOME/dagster`. A secret: only ever in the environment, never in a file."""

    warehouse_url: str | None = field(
        default_factory=lambda: os.environ.get(WAREHOUSE_URL_ENV, "").strip() or None, repr=False
    )
    """The warehouse on PostgreSQL (`LEDGERLOOP_WAREHOUSE_URL=postgresql://user:password@host:port/db`,
    over the policy's `warehouse.url`); unset, the DuckDB file. A secret: only in the environment."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", self.home.resolve())
        if self.group_access not in ACCESS_MODES:
            raise ValueError(f"LEDGERLOOP_GROUP_ACCESS={self.group_access!r}: use one of "
                             f"{', '.join(ACCESS_MODES)}")
        if self.dagster_storage_url is not None:
            check_dagster_storage_url(self.dagster_storage_url)

    @property
    def salesforce_environ(self) -> dict[str, str]:
        """The live org's credentials (`SALESFORCE_*`), when set."""
        return {k: v for k, v in os.environ.items() if k.startswith("SALESFORCE_")}

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB warehouse file (the embedded engine's)."""
        return self.home / "warehouse.duckdb"

    @cached_property
    def warehouse(self) -> Engine:
        """The engine that keeps the warehouse: the environment's URL, else the policy's, else the
        DuckDB file."""
        from orchestration.storage.engine import DuckDBFile, PostgresServer

        if self.warehouse_url:
            return PostgresServer.from_url(self.warehouse_url)
        policy = self.policy().warehouse
        if policy.url:
            return PostgresServer.from_url(policy.url, source=f"{self.config_path}: warehouse.url")
        return DuckDBFile(self.warehouse_path, memory_limit=policy.duckdb_memory_limit)

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def archive_dir(self) -> Path:
        return self.home / "archive"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    def policy(self) -> Policy:
        from orchestration.policy import load_policy  # pydantic and every section: load when used

        return load_policy(self.config_path)


def check_dagster_storage_url(url: str) -> None:
    """Refuse what dagster-postgres cannot open, naming the setting (never echoing the password).

    The driver must be named: SQLAlchemy 2.1 reads a bare `postgresql://` as psycopg 3, and
    dagster-postgres's event log only works on psycopg2 (its `NOTIFY` fails on psycopg 3, the run
    with it)."""
    parts = urlsplit(url)
    lacks = [what for what, present in (
        ("the postgresql+psycopg2 scheme", parts.scheme == "postgresql+psycopg2"),
        ("a host", bool(parts.hostname)),
        ("a database name", bool(parts.path.strip("/"))),
    ) if not present]
    if lacks:
        raise ValueError(f"{DAGSTER_STORAGE_URL_ENV}: expected postgresql+psycopg2://user:password@host:port/"
                         f"database (dagster-postgres needs psycopg2); this URL lacks {' and '.join(lacks)}")


def quiet_environment() -> dict[str, str]:
    """Variables that stop dbt, Dagster and GX from calling home (we have no internet)."""
    return {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }


def apply_quiet_environment() -> None:
    for key, value in quiet_environment().items():
        os.environ.setdefault(key, value)
