"""The `warehouse` section of `ledgerloop.yaml`: where the warehouse lives.

Left out, the warehouse is the DuckDB file under `$LEDGERLOOP_HOME`. A `url` moves it to a
PostgreSQL server for every step, dbt and reader; `LEDGERLOOP_WAREHOUSE_URL` in the environment
overrides it. The password is a secret: never in this file, only in `LEDGERLOOP_WAREHOUSE_PASSWORD`.

`duckdb_memory_limit` bounds the memory of dbt's DuckDB, where a large book's run peaks: past it
DuckDB spills to a temporary folder beside the warehouse file instead of growing (at 1M invoices
dbt's build held 2.2 GB without a limit and 1.2 GB under 1GB, in the same time).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import field_validator

from orchestration.policy._base import PolicyModel

MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


class Warehouse(PolicyModel):
    url: str | None = None
    """`postgresql://user@host:port/database`, or left out for the DuckDB file."""

    duckdb_memory_limit: str = "1GB"
    """DuckDB's `memory_limit` for dbt's build on the DuckDB file, as DuckDB writes sizes: `512MB`,
    `1.5GB`, `2GiB`."""

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_size(cls, size: str) -> str:
        if not MEMORY_SIZE.fullmatch(size.strip()):
            raise ValueError(f"{size!r} is not a memory size: write a number and a unit, like 1GB or 512MB")
        return size.strip()

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).password is not None:
            raise ValueError("keep the password out of the policy file: set LEDGERLOOP_WAREHOUSE_PASSWORD")
        return url
