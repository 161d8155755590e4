"""`ledgerloop serve` gives the runs its daemon starts a warm dbt process, for as long as it serves."""

from __future__ import annotations

import os
import subprocess
import types
from pathlib import Path

from click.testing import CliRunner

import orchestration.cli as cli_module
from orchestration.cli import main
from orchestration.defs import dbt_warm
from orchestration.defs.dbt_process import WARM_DBT


def test_serve_s_children_fork_dbt_from_one_warm_process_that_ends_with_it(tmp_path, monkeypatch):
    asked: list[tuple[str, int | None]] = []

    class Child:
        """Stands in for `dagster dev` and the portal: runs a dbt command as a run would, then exits."""

        returncode = 0  # and no pid: it has exited, so serve never signals it

        def __init__(self, command, cwd, env, start_new_session):
            address = env[WARM_DBT]
            asked.append((address, dbt_warm.run_forked(address, ["ledgerloop-dbt", "--version"])))

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    fake = types.SimpleNamespace(Popen=Child, TimeoutExpired=subprocess.TimeoutExpired)
    monkeypatch.setattr(cli_module, "subprocess", fake)
    result = CliRunner().invoke(main, ["serve", "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    assert len(asked) == 2 and len({address for address, _ in asked}) == 1
    assert [code for _, code in asked] == [0, 0]  # dbt ran in the warm process's fork (None: it did not)
    assert not Path(asked[0][0]).exists() and WARM_DBT not in os.environ
