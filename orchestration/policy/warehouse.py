"""The `warehouse` section of `ledgerloop.yaml`: where the warehouse lives.

Left out, the warehouse is the DuckDB file under `$LEDGERLOOP_HOME`. A `url` moves it to a
PostgreSQL server for every step, dbt and reader; `LEDGERLOOP_WAREHOUSE_URL` in the environment
overrides it. The password is a secret: never in this file, only in `LEDGERLOOP_WAREHOUSE_PASSWORD`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import field_validator

from orchestration.policy._base import PolicyModel


class Warehouse(PolicyModel):
    url: str | None = None
    """`postgresql://user@host:port/database`, or left out for the DuckDB file."""

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).password is not None:
            raise ValueError("keep the password out of the policy file: set LEDGERLOOP_WAREHOUSE_PASSWORD")
        return url
