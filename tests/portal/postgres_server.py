"""A throwaway PostgreSQL server for tests: initdb into a temp folder, listen on 127.0.0.1, stop after.

initdb and postgres refuse to run as root, so when the tests run as root the server runs as the
`postgres` OS user (the Debian package creates it) in a folder handed over to that user.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SERVER_USER = "postgres"
START_TIMEOUT_SECONDS = 30
FAST_AND_FORGETFUL = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
"""Tests' settings: nothing they write needs to survive a crash of the machine."""


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    """A running server; `new_database()` gives each test its own empty database."""

    bindir: Path
    root: Path
    port: int
    settings: dict[str, str] = field(default_factory=lambda: dict(FAST_AND_FORGETFUL))
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS)

    def _check(self, *args: str) -> None:
        done = self._run(*args)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}\n{tail}")

    def start(self) -> None:
        self._check(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SERVER_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        settings = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                    "unix_socket_directories": str(self.root), "max_connections": "50", **self.settings}
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        self._check(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "start",
        )

    def stop(self) -> None:
        """Stop fast (disconnect clients); stop immediately if that fails."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        if self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop").returncode != 0:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"portal_test_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SERVER_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return self.url(name)


NO_SERVER = "no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql"


def postgres_server(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """Start a server for as long as the calling fixture lives; always stop it and remove its folder.
    `settings`: server settings instead of the tests' fast and forgetful ones."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(NO_SERVER)
    root = Path(tempfile.mkdtemp(prefix="ledgerloop-pg-"))
    server = PostgresServer(bindir=bindir, root=root, port=_free_port(),
                            settings=dict(FAST_AND_FORGETFUL if settings is None else settings))
    try:
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(root, account.pw_uid, account.pw_gid)
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
