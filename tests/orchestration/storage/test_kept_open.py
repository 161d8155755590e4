"""A run keeps the warehouse file open between its sessions, and lets it go whenever another
process must open it (dbt), when it holds too much, and when the run ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.resources import LedgerloopResource
from orchestration.storage import kept_open, warehouse
from orchestration.storage.engine import DuckDBFile
from orchestration.storage.sessions import open_session, writing_alone

_OPENS = """import duckdb, sys
try:
    duckdb.connect(sys.argv[1]).close()
except duckdb.IOException:
    sys.exit(9)
"""


def another_process_can_open(path: Path) -> bool:
    return subprocess.run([sys.executable, "-c", _OPENS, str(path)], timeout=60).returncode == 0


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """Each time this process opens a warehouse file."""
    calls: list[Path] = []
    real = warehouse._open

    def counted(path: Path, *, read_only: bool):
        calls.append(path)
        return real(path, read_only=read_only)

    monkeypatch.setattr(warehouse, "_open", counted)
    return calls


def test_sessions_share_the_kept_file_each_on_a_connection_of_its_own(tmp_path, opened):
    path = tmp_path / "warehouse.duckdb"
    with kept_open.kept_open(path):
        with warehouse.connect(path) as con:
            con.execute("create table main.numbers as select 1 as n")
            con.execute("create temp table scratch as select 2 as n")
            con.begin()
            con.execute("insert into main.numbers values (3)")  # never committed
        with warehouse.connect(path, read_only=True) as con:
            assert con.execute("select list(n) from main.numbers").fetchone()[0] == [1]
            scratch = "select count(*) from duckdb_tables() where table_name = 'scratch'"
            assert not con.execute(scratch).fetchone()[0]
            assert con.execute("select ll_money('$1,234.50', '.', ',')").fetchone()[0] is not None
        assert not another_process_can_open(path)  # kept, between sessions
    assert opened == [path]
    assert another_process_can_open(path)


def test_the_file_is_let_go_while_another_process_writes_it_and_kept_again_after(tmp_path, opened):
    path = tmp_path / "warehouse.duckdb"
    with kept_open.kept_open(path):
        with open_session(DuckDBFile(path)) as con:
            con.execute("create table main.numbers as select 1 as n")
        with writing_alone(DuckDBFile(path), print, "dbt"):
            assert another_process_can_open(path)
        with open_session(DuckDBFile(path), read_only=True) as con:
            assert con.execute("select n from main.numbers").fetchone() == (1,)
        assert not another_process_can_open(path)
    assert opened == [path, path]


def test_letting_go_with_a_session_open_is_an_error_that_says_so(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with (kept_open.kept_open(path), warehouse.connect(path),
          pytest.raises(RuntimeError, match="1 session"), kept_open.released(path)):
        pass


def test_a_database_holding_more_than_it_may_keep_is_closed_after_the_session(tmp_path, monkeypatch, opened):
    monkeypatch.setattr(kept_open, "KEEP_AT_MOST", 0)
    path = tmp_path / "warehouse.duckdb"
    with kept_open.kept_open(path):
        for _ in range(2):
            with warehouse.connect(path) as con:
                con.execute("create or replace table main.numbers as select range as n from range(100000)")
            assert another_process_can_open(path)
    assert opened == [path, path]


def test_a_run_keeps_the_warehouse_open_from_step_to_step(tmp_path, opened):
    """The `ledgerloop` resource keeps it for the whole run (the in-process executor makes the
    resource once), and the file is free when the run has ended."""
    home = tmp_path / "home"
    path = home / "warehouse.duckdb"

    @dg.asset
    def first(ledgerloop: LedgerloopResource) -> None:
        with open_session(DuckDBFile(ledgerloop.settings.warehouse_path)) as con:
            con.execute("create table main.numbers as select 1 as n")

    @dg.asset(deps=[first])
    def second(ledgerloop: LedgerloopResource) -> None:
        with open_session(DuckDBFile(ledgerloop.settings.warehouse_path), read_only=True) as con:
            assert con.execute("select n from main.numbers").fetchone() == (1,)

    with dg.instance_for_test() as instance:
        result = dg.materialize([first, second], instance=instance,
                                resources={"ledgerloop": LedgerloopResource(home=str(home))})
    assert result.success
    assert opened == [path]
    assert another_process_can_open(path)


def test_a_file_named_another_way_is_the_same_kept_file(tmp_path, monkeypatch, opened):
    (tmp_path / "home").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    with kept_open.kept_open(Path("home") / "warehouse.duckdb"):
        with warehouse.connect(tmp_path / "link" / "warehouse.duckdb"):
            pass
        with warehouse.connect(tmp_path / "home" / "warehouse.duckdb"):
            pass
        with writing_alone(DuckDBFile(Path("link/warehouse.duckdb")), print, "dbt"):
            assert another_process_can_open(tmp_path / "home" / "warehouse.duckdb")
    assert len(opened) == 1
