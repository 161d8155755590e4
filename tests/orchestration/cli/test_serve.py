"""`ledgerloop serve` gives the runs its daemon starts a warm dbt process, for as long as it serves."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import threading
import time
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


def test_serve_says_when_the_ui_and_the_portal_answer(tmp_path, monkeypatch):
    """The addresses are said at once, and "Ready" only once both servers answer: a person who
    opened the address at once got "connection refused" for ~10 s."""

    class Answering(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path in ("/server_info", "/healthz") else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answering) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    until = time.monotonic() + 1.5

    class Child:
        pid = None

        def __init__(self, *args, **kwargs):
            pass

        def poll(self):
            return None if time.monotonic() < until else 0

        returncode = 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(cli_module, "subprocess",
                        types.SimpleNamespace(Popen=Child, TimeoutExpired=subprocess.TimeoutExpired))
    try:
        ports = [str(server.server_address[1]) for server in servers]
        result = CliRunner().invoke(main, ["serve", "--home", str(tmp_path / "home"),
                                           "--port", ports[0], "--portal-port", ports[1]])
    finally:
        for server in servers:
            server.shutdown()
    assert result.exit_code == 0, result.output
    starting, ready = result.stdout.splitlines()
    assert starting == (f"Starting the Dagster UI (http://127.0.0.1:{ports[0]}) and the director portal "
                        f"(http://127.0.0.1:{ports[1]}) ...")
    assert ready.startswith("Ready in 0 s: Dagster UI http://127.0.0.1:")


def test_serve_says_nothing_is_ready_while_a_server_does_not_answer(tmp_path, monkeypatch):
    class Child:
        pid = None
        returncode = 0

        def __init__(self, *args, **kwargs):
            self.polls = 0

        def poll(self):
            self.polls += 1
            return None if self.polls < 3 else 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(cli_module, "subprocess",
                        types.SimpleNamespace(Popen=Child, TimeoutExpired=subprocess.TimeoutExpired))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    result = CliRunner().invoke(main, ["serve", "--home", str(tmp_path / "home"), "--port", port,
                                       "--portal-port", port])
    assert result.exit_code == 0, result.output
    assert "Ready" not in result.output
