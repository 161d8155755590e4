"""`ledgerloop-dbt` inside a run with a warm dbt process runs dbt in a fork of it: the same output
and exit codes as dbt run by itself; the command's signals reach dbt, a killed command takes its
dbt with it, and without an answering warm process dbt runs in the command's own process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from orchestration.defs import dbt_warm
from orchestration.defs.dbt_process import WARM_DBT
from tests.orchestration.defs.test_dbt_process import BIN, _tiny_project

ENDLESS = ("{{ config(materialized='table') }} "
           "select count(*) as hits from range(1000000000000) t(i) where hash(i) % 7 = 3")


def _start(project: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [BIN / "ledgerloop-dbt", "--log-format", "json", "build", "--project-dir", project,
         "--profiles-dir", project],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=project,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )


def _events(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _dbt_pid(command: subprocess.Popen) -> int:
    """The PID dbt reports, read off the command's output once a node has started."""
    for line in command.stdout:
        if line.startswith("{") and (event := json.loads(line))["info"]["name"] == "LogStartLine":
            return event["info"]["pid"]
    raise AssertionError("dbt never started a node")


def _gone(pid: int, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def warm():
    with dbt_warm.started() as warm_dbt:
        yield warm_dbt


@pytest.mark.parametrize("model_sql, exit_code", [("select 42 as answer", 0),
                                                   ("select * from no_such_table", 1)])
def test_dbt_runs_in_a_fork_with_the_command_s_output_and_exit_code(tmp_path, warm, model_sql, exit_code):
    command = _start(_tiny_project(tmp_path / "tiny", model_sql))
    output, _ = command.communicate(timeout=300)
    assert command.returncode == exit_code
    events = _events(output)
    assert events[-1]["info"]["msg"].startswith(f"Done. PASS={1 - exit_code} WARN=0 ERROR={exit_code}")
    assert {e["info"]["pid"] for e in events} != {command.pid}  # not dbt imported by the command


def test_without_an_answering_warm_process_dbt_runs_in_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv(WARM_DBT, str(tmp_path / "nobody.sock"))
    command = _start(_tiny_project(tmp_path / "tiny", "select 42 as answer"))
    output, _ = command.communicate(timeout=300)
    assert command.returncode == 0
    assert {e["info"]["pid"] for e in _events(output)} == {command.pid}


def test_an_interrupt_reaches_dbt(tmp_path, warm):
    command = _start(_tiny_project(tmp_path / "tiny", ENDLESS))
    dbt = _dbt_pid(command)
    assert dbt != command.pid
    time.sleep(2)  # the query under way: dbt on DuckDB can miss an interrupt as its node starts
    command.send_signal(signal.SIGINT)  # as dagster-dbt does when a run is cancelled
    rest, _ = command.communicate(timeout=120)
    assert command.returncode == 2  # dbt's own ending on an interrupt, as when run by itself
    assert "MainEncounteredError" in {e["info"]["name"] for e in _events(rest)}
    assert _gone(dbt)


def test_a_killed_command_takes_its_dbt_with_it(tmp_path, warm):
    command = _start(_tiny_project(tmp_path / "tiny", ENDLESS))
    dbt = _dbt_pid(command)
    command.kill()
    command.wait()
    assert _gone(dbt)


def test_the_warm_process_ends_when_told_and_leaves_nothing_behind():
    with dbt_warm.started() as warm_dbt:
        address = os.environ[WARM_DBT]
        assert Path(address).is_socket()
        warm_dbt.end()
        assert warm_dbt.process.wait(timeout=60) == 0
    assert WARM_DBT not in os.environ
    assert not Path(address).parent.exists()


def test_a_dbt_killed_outright_ends_its_command_the_same_way(tmp_path, warm):
    command = _start(_tiny_project(tmp_path / "tiny", ENDLESS))
    os.kill(_dbt_pid(command), signal.SIGKILL)
    command.communicate(timeout=60)
    assert command.returncode == -signal.SIGKILL


def test_the_warm_process_is_out_of_reach_of_the_terminal_s_interrupt(warm):
    assert os.getsid(warm.process.pid) == warm.process.pid  # the command passes interrupts on


@pytest.mark.parametrize("goes", ["after accepting", "before accepting"])
def test_a_warm_process_that_goes_before_forking_leaves_dbt_to_the_command(tmp_path, goes):
    address = str(tmp_path / "dbt.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen()
    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(dbt_warm.run_forked, address, ["ledgerloop-dbt", "build"])
        if goes == "after accepting":
            listener.accept()[0].close()
        else:
            time.sleep(0.5)  # the command waits to be accepted
        listener.close()
        assert outcome.result(timeout=30) is None


def test_a_dbt_whose_warm_process_is_killed_ends_too(tmp_path, warm):
    command = _start(_tiny_project(tmp_path / "tiny", ENDLESS))
    dbt = _dbt_pid(command)
    warm.process.kill()  # as `started()` does to one that does not end in time
    try:
        assert _gone(dbt)
    finally:
        command.kill()
        command.wait()


def test_the_project_s_python_model_imports_are_found():
    assert {"orchestration.risk.daily", "orchestration.risk.model",
            "orchestration.risk.score"} <= set(dbt_warm.model_imports())


def test_warm_up_imports_what_python_models_import_and_survives_a_broken_one(tmp_path):
    models = tmp_path / "project" / "models" / "python"
    models.mkdir(parents=True)
    (models / "scored.py").write_text(
        "import colorsys\n\ndef model(dbt, session):\n    from email.mime import text\n"
        "    from . import sibling\n    import no_such_module_anywhere\n    return None\n")
    assert dbt_warm.model_imports(tmp_path / "project") == ["colorsys", "email.mime",
                                                             "no_such_module_anywhere"]
    code = ("import sys; from pathlib import Path; from orchestration.defs import dbt_warm\n"
            f"dbt_warm._warm_up(Path({str(tmp_path / 'project')!r}))\n"
            "from dbt.contracts.project import Project\n"
            "hits = Project.json_schema.cache_info().hits; Project.json_schema()\n"
            "print(all(name in sys.modules for name in ('colorsys', 'email.mime', 'dbt.cli.main')),\n"
            "      Project.json_schema.cache_info().hits - hits)")
    warmed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert warmed.returncode == 0, warmed.stderr
    assert warmed.stdout.strip() == "True 1"  # and the project's schema was built already
