"""Which engine keeps the warehouse: the DuckDB file under the home (the default) or a PostgreSQL
server (`LEDGERLOOP_WAREHOUSE_URL`, or the policy's `warehouse:` section).

An engine answers what differs between the two: the dbt target and its environment, and how a
step opens the warehouse (`orchestration.storage.sessions`). Everything else is one code base.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from orchestration.settings import WAREHOUSE_URL_ENV

WAREHOUSE_PASSWORD_ENV = "LEDGERLOOP_WAREHOUSE_PASSWORD"
DUCKDB_MEMORY_LIMIT_ENV = "LEDGERLOOP_DUCKDB_MEMORY_LIMIT"
BYTEWISE_COLLATIONS = ("C", "POSIX", "C.UTF-8", "C.utf8")
"""Collations that order text by bytes, as DuckDB does."""
ASCII_ONLY_CTYPES = ("C", "POSIX")
"""Character classifications that know only ASCII: `upper('Müller')` stays `MüLLER` and `[[:alpha:]]`
misses `Ä`, so payers' names and invoice references would not match as on DuckDB."""
CREATE_WITH = "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
"""What a warehouse database is created with: bytes order text, and letters are Unicode's."""
DBT_SESSION_OPTIONS = "-c jit=off"
"""PostgreSQL's JIT compiles the risk features' query for 2.7 s to save milliseconds (measured)."""


@dataclass(frozen=True)
class DuckDBFile:
    """The embedded default: one DuckDB file, one writing process."""

    path: Path
    memory_limit: str = "1GB"
    """DuckDB's memory for dbt's build (the policy's `warehouse.duckdb_memory_limit`)."""
    dbt_target = "local"
    name = "duckdb"

    def dbt_environment(self) -> dict[str, str]:
        """profiles.yml's DuckDB output reads the memory limit from dbt's environment."""
        return {DUCKDB_MEMORY_LIMIT_ENV: self.memory_limit}

    def describe(self) -> str:
        return f"{self.path} (open it with any DuckDB client)"


@dataclass(frozen=True)
class PostgresServer:
    """A PostgreSQL database shared by every reader, written by one step at a time (the write lock
    in `orchestration.storage.sessions`)."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(default="", repr=False)
    dbt_target = "postgres"
    name = "postgres"

    @classmethod
    def from_url(cls, url: str, source: str = WAREHOUSE_URL_ENV) -> PostgresServer:
        """Parse `postgresql://user:password@host:port/database`, naming `source` in any error
        (never echoing the password); a password left out of the URL comes from
        `LEDGERLOOP_WAREHOUSE_PASSWORD`."""
        parts = urlsplit(url)
        lacks = [what for what, present in (
            ("the postgresql scheme", parts.scheme in ("postgresql", "postgres")),
            ("a host", bool(parts.hostname)),
            ("a user", bool(parts.username)),
            ("a database name", bool(parts.path.strip("/"))),
        ) if not present]
        if lacks:
            raise ValueError(f"{source}: expected postgresql://user:password@host:port/database; "
                             f"this URL lacks {' and '.join(lacks)}")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ValueError(f"{source}: the port is not a number") from None
        password = unquote(parts.password) if parts.password else os.environ.get(WAREHOUSE_PASSWORD_ENV, "")
        return cls(parts.hostname, port, parts.path.strip("/"), unquote(parts.username), password)

    @property
    def conninfo(self) -> dict[str, str | int]:
        """psycopg's connection arguments."""
        return {"host": self.host, "port": self.port, "dbname": self.database, "user": self.user,
                "password": self.password}

    def dbt_environment(self) -> dict[str, str]:
        """What profiles.yml's `postgres` output reads."""
        return {
            "LEDGERLOOP_PG_HOST": self.host, "LEDGERLOOP_PG_PORT": str(self.port),
            "LEDGERLOOP_PG_USER": self.user, "DBT_ENV_SECRET_LEDGERLOOP_PG_PASSWORD": self.password,
            "LEDGERLOOP_PG_DBNAME": self.database, "PGOPTIONS": DBT_SESSION_OPTIONS,
        }

    def describe(self) -> str:
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.database}"

    def problem(self) -> str | None:
        """Why a run cannot use this server now, in one line (None when it can): unreachable, a
        database that sorts text by a locale (ranks' ties and lists' order would differ from
        DuckDB's bytewise order), or one whose character classes know only ASCII (upper-casing
        and matching names with accents would differ from DuckDB's)."""
        import psycopg

        try:
            with psycopg.connect(**self.conninfo, connect_timeout=10) as pg:
                collation, ctype, provider = pg.execute(  # datlocprovider exists from PostgreSQL 15
                    "select datcollate, datctype, to_jsonb(d) ->> 'datlocprovider' from pg_database as d "
                    "where datname = current_database()").fetchone()
        except psycopg.Error as error:
            reason = " ".join(str(error).split())
            return f"cannot reach the warehouse, {self.describe()}: {reason}"
        if provider == "i":  # ICU sorts by its locale whatever datcollate says
            collation = "an ICU locale"
        if collation not in BYTEWISE_COLLATIONS:
            return (f"the warehouse database {self.database} sorts text by {collation}; create it with "
                    f"{CREATE_WITH} (see the README's Scale out), so ties and lists come in DuckDB's order")
        if provider != "i" and ctype in ASCII_ONLY_CTYPES:
            return (f"the warehouse database {self.database} knows only ASCII letters (LC_CTYPE {ctype}): "
                    f"names like Müller would not match as on DuckDB; create it with {CREATE_WITH}")
        return None


Engine = DuckDBFile | PostgresServer
