"""When another process holds the warehouse, the commands say who (PID and command, a run that
`ledgerloop serve` started) and what to do, in one line, tested against a real second process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.cli.run_summary import describe_failure
from orchestration.storage.warehouse_lock import warehouse_in_use

HOLD = ("import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(120)\n")
# Stands in for `ledgerloop serve`: its run (a child process) is what holds the warehouse.
FAKE_SERVE = ("import subprocess, sys\n"
              f"subprocess.run([sys.executable, '-c', {HOLD!r}, sys.argv[2]])\n")


def _hold(command: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


@pytest.fixture
def holder(warehouse):
    process = _hold([sys.executable, "-c", HOLD, str(warehouse)])
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def serve(tmp_path, warehouse):
    """A process called `ledgerloop serve` whose child holds the warehouse."""
    script = tmp_path / "bin" / "ledgerloop"
    script.parent.mkdir()
    script.write_text(FAKE_SERVE)
    process = subprocess.Popen([sys.executable, str(script), "serve", str(warehouse)],
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout.readline().strip() == "held"
    yield process
    os.killpg(process.pid, signal.SIGKILL)  # the fake and its child: the group it leads
    process.wait()


def test_a_free_or_missing_warehouse_is_not_in_use(warehouse, tmp_path):
    assert warehouse_in_use(warehouse) is None
    assert warehouse_in_use(tmp_path / "none.duckdb") is None


def test_the_holder_is_named_by_pid_and_command_with_what_to_do(warehouse, holder):
    message = warehouse_in_use(warehouse)
    python = Path(sys.executable).name
    assert message.startswith(f"{warehouse} is held by PID {holder.pid} (`{python} -c import duckdb, sys, "
                              "time con = duckdb.connect(sys.argv[1])")
    assert message.endswith(f": close it there or stop it (`kill {holder.pid}`), then try again")
    assert "\n" not in message


def test_a_run_of_ledgerloop_serve_is_named_as_such(warehouse, serve):
    message = warehouse_in_use(warehouse)
    assert message.startswith(f"{warehouse} is held by a run started by `ledgerloop serve` (PID {serve.pid}; "
                              "the run is PID ")
    assert message.endswith("wait for it to finish (the Dagster UI lists it under Runs) or stop "
                            "`ledgerloop serve`, then try again")


def test_ledgerloop_run_refuses_at_once_in_one_line_and_touches_nothing(tmp_path, warehouse, holder):
    landing = tmp_path / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "export.csv").write_text("Invoice Number\nINV-1\n")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["run", "--home", str(tmp_path), "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"Error: cannot run now: {warehouse} is held by PID {holder.pid} (`")
    assert errors[0].endswith(f"(`kill {holder.pid}`), then try again")
    assert result.stdout == ""
    assert time.monotonic() - started < 15  # before Dagster and dbt are even loaded
    assert (landing / "export.csv").exists()


def test_a_read_only_command_names_the_holder_too(tmp_path, warehouse, serve):
    result = CliRunner().invoke(main, ["dunning", "preview", "--date", dt.date(2026, 11, 23).isoformat(),
                                       "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert f"a run started by `ledgerloop serve` (PID {serve.pid}" in result.output


def test_a_run_whose_step_hits_the_lock_says_who_holds_it(warehouse, holder):
    # Another process can take the warehouse after the check at start; the failed step's error
    # (DuckDB's, as Dagster reports it) becomes the same one line.
    message = (f'IOException: IO Error: Could not set lock on file "{warehouse}": Conflicting lock is '
               f"held in {sys.executable} (PID {holder.pid}). See also "
               "https://duckdb.org/docs/current/connect/concurrency\n\nStack Trace: ...")
    line = describe_failure(message, warehouse)
    assert line.startswith(f"{warehouse} is held by PID {holder.pid} (`")
    assert "\n" not in line
