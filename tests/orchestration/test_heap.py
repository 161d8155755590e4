"""The console script keeps the collector off what a run loads for good; in-process commands
(tests, CliRunner) keep the interpreter's defaults."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration import heap


@pytest.fixture
def restored_gc(monkeypatch):
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


@pytest.mark.parametrize("imports, frozen_at_exit", [("", False), ("import orchestration.definitions", True)])
def test_a_process_that_loaded_the_definitions_exits_without_walking_its_heap(imports, frozen_at_exit):
    # atexit runs the last registered first: the definitions' freeze, then this check
    code = f"import atexit, gc\natexit.register(lambda: print(gc.get_freeze_count() > 0))\n{imports}\n"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == str(frozen_at_exit)


def test_the_script_still_exits_with_the_command_s_code(restored_gc):
    def command():
        raise SystemExit(3)

    with pytest.raises(SystemExit) as exited:
        heap.run_as_script(command)
    assert exited.value.code == 3


def test_the_console_script_runs_a_command():
    ledgerloop = Path(sys.executable).parent / "ledgerloop"
    shown = subprocess.run([ledgerloop, "--help"], capture_output=True, text=True, check=True)
    assert "ledgerloop: one living accounts-receivable ledger" in shown.stdout
