"""The console script keeps the collector off what a run loads for good, and never skips a
finalizer; in-process commands (tests, CliRunner) keep the interpreter's defaults."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration import heap


@pytest.fixture
def restored_gc():
    yield
    gc.unfreeze()
    gc.enable()


def test_in_process_loading_leaves_the_collector_alone(restored_gc):
    frozen_before = gc.get_freeze_count()
    with heap.loading_for_good():
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before


def test_as_a_script_loading_is_not_collected_and_is_frozen_after(restored_gc, monkeypatch):
    monkeypatch.setattr(heap, "_process_ends_with_command", True)
    with heap.loading_for_good():
        assert not gc.isenabled()
        loaded = [object() for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(loaded)


def test_what_loading_left_behind_is_finalized_not_frozen(restored_gc, monkeypatch):
    monkeypatch.setattr(heap, "_process_ends_with_command", True)
    finalized = []

    class Resource:
        def __del__(self):
            finalized.append(True)  # e.g. a connection closing, a buffer flushing

    with heap.loading_for_good():
        cycle = [Resource()]
        cycle.append(cycle)
        del cycle
    assert finalized == [True]


def test_a_script_s_cyclic_garbage_is_still_finalized_at_exit(tmp_path):
    """A SQLite connection lost in a reference cycle is closed when the process ends (its WAL
    checkpointed and removed, as a drafts index's is): the heap is never frozen at exit, which
    would skip the finalizers of such garbage."""
    database = tmp_path / "index.sqlite3"
    code = (
        "import sqlite3\n"
        "from orchestration import heap\n"
        "def command():\n"
        f"    con = sqlite3.connect({str(database)!r}, isolation_level=None)\n"
        "    con.execute('pragma journal_mode=wal')\n"
        "    con.execute('create table drafts (label text)')\n"
        "    con.execute(\"insert into drafts values ('dunning:2026-11-23/a')\")\n"
        "    cycle = [con]\n"
        "    cycle.append(cycle)\n"
        "heap.run_as_script(command)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert not database.with_name("index.sqlite3-wal").exists()


def test_the_script_still_exits_with_the_command_s_code(monkeypatch):
    monkeypatch.setattr(heap, "_process_ends_with_command", False)  # restored after the test

    def command():
        raise SystemExit(3)

    with pytest.raises(SystemExit) as exited:
        heap.run_as_script(command)
    assert exited.value.code == 3


def test_the_console_script_runs_a_command():
    ledgerloop = Path(sys.executable).parent / "ledgerloop"
    shown = subprocess.run([ledgerloop, "--help"], capture_output=True, text=True, check=True)
    assert "ledgerloop: one living accounts-receivable ledger" in shown.stdout


_LOADS_FOR_GOOD = """
import atexit, sqlite3, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import duckdb
from orchestration import heap
out = Path(sys.argv[1])
ALIVE = []
def command():
    with heap.loading_for_good():  # what a run loads: DuckDB's bindings and objects among it
        loaded = duckdb.connect()
        loaded.execute("select 1::integer, 'a'::varchar").fetchall()
        kept = [loaded.sql("select 42 as answer").types, loaded]
    atexit.register(lambda: (out / "atexit").write_text("ran"))
    def late():
        time.sleep(0.3)
        (out / "thread").write_text("finished")
    threading.Thread(target=late).start()
    idle = ThreadPoolExecutor(1)  # never shut down: its worker waits until the exit wakes it
    idle.submit(lambda: None).result()
    ALIVE.append(idle)  # held until the process ends, as a module's pool is
    con = sqlite3.connect(out / "index.sqlite3", isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("create table drafts (label text)")
    cycle = [con]
    cycle.append(cycle)
    sys.stdout.write("summary without a newline")
    sys.exit(%s)
heap.run_as_script(command)
"""


@pytest.mark.parametrize(("exit_with", "status", "said"),
                         [("3", 3, ""), ("'cannot run now'", 1, "cannot run now")])
def test_a_script_that_loaded_for_good_ends_as_the_interpreter_would_without_tearing_it_down(
        tmp_path, exit_with, status, said):
    """Other threads finish (an idle thread pool's worker is woken to), exit handlers run, garbage
    is finalized (the WAL checkpointed), the output is flushed and the status kept; DuckDB's
    bindings report no leak on stderr (they did when the frozen heap was torn down at exit)."""
    ended = subprocess.run([sys.executable, "-c", _LOADS_FOR_GOOD % exit_with, str(tmp_path)],
                           capture_output=True, text=True, timeout=30)
    assert ended.returncode == status
    assert ended.stdout == "summary without a newline"
    assert ended.stderr.strip() == said
    assert (tmp_path / "thread").read_text() == "finished"
    assert (tmp_path / "atexit").read_text() == "ran"
    assert not (tmp_path / "index.sqlite3-wal").exists()
