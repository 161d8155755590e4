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
