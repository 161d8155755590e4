"""`ledgerloop-dbt` is dbt's command line with the collector off the loaded manifest: same
output and exit codes as `dbt`."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.defs import dbt_process

BIN = Path(sys.executable).parent


def _message(name: str) -> SimpleNamespace:
    return SimpleNamespace(info=SimpleNamespace(name=name))


@pytest.fixture
def collector_off():
    gc.disable()
    yield
    gc.unfreeze()
    gc.enable()


def test_collections_come_back_when_dbt_starts_running_nodes(collector_off):
    dbt_process._on_event(_message("FoundStats"))
    assert not gc.isenabled()
    dbt_process._on_event(_message("ConcurrencyLine"))
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def _tiny_project(folder: Path, model_sql: str) -> Path:
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text("name: tiny\nversion: '1.0.0'\nprofile: tiny\n")
    (folder / "profiles.yml").write_text(
        f"tiny:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        f"      path: {folder / 'tiny.duckdb'}\n"
    )
    (folder / "models" / "answer.sql").write_text(model_sql)
    return folder


@pytest.mark.parametrize("model_sql, exit_code", [("select 42 as answer", 0),
                                                   ("select * from no_such_table", 1)])
def test_same_exit_code_and_outcome_as_dbt(tmp_path, model_sql, exit_code):
    def build(executable: str) -> subprocess.CompletedProcess:
        project = _tiny_project(tmp_path / executable, model_sql)
        return subprocess.run(
            [BIN / executable, "build", "--project-dir", project, "--profiles-dir", project],
            capture_output=True, text=True, cwd=project,
            env={"PATH": str(BIN), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )

    ours, theirs = build("ledgerloop-dbt"), build("dbt")
    assert ours.returncode == theirs.returncode == exit_code

    def summary(done: subprocess.CompletedProcess) -> list[str]:
        return [line[line.index("Done."):] for line in done.stdout.splitlines() if "Done. PASS=" in line]

    assert summary(ours) == summary(theirs)
    assert summary(ours) == [f"Done. PASS={1 - exit_code} WARN=0 ERROR={exit_code} SKIP=0 NO-OP=0 TOTAL=1"]


def test_a_usage_error_is_dbt_s(tmp_path):
    wrong = subprocess.run([BIN / "ledgerloop-dbt", "nosuchcommand"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert wrong.returncode == 2
    assert "No such command 'nosuchcommand'" in wrong.stderr
