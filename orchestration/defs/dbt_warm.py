"""A dbt process started ahead of a run's dbt step, with dbt imported, forked for each dbt command.

Importing dbt (its command line, the adapters, the serializers mashumaro compiles for each of its
artifact classes) takes ~1.5 s of one core on every dbt command before dbt reads a file.
`ledgerloop run` starts this process first (`started()`), so the import happens on the machine's
second core while the run loads Dagster and ingests. When dagster-dbt then starts `ledgerloop-dbt`,
that command hands its arguments, environment, working folder and standard streams over the socket
named by `LEDGERLOOP_WARM_DBT`, and the warm process forks a copy of itself to run them: dbt's
output, exit code and the signals sent to the command are the command's own. `ledgerloop serve`
starts one for as long as it serves, so the daemon's runs (one at a time) fork their dbt from it
too. Without the variable (tests) or when nothing answers on the socket, `ledgerloop-dbt` imports
and runs dbt itself.

One command runs at a time: the next waits on the socket (a run's dbt commands come one after the
other, and the warehouse takes one writer).
"""

from __future__ import annotations

import ast
import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NoReturn

from orchestration.defs.dbt_process import WARM_DBT
from orchestration.settings import DBT_PROJECT_DIR

PR_SET_PDEATHSIG = 1  # prctl(2)
_LENGTH = struct.Struct("!Q")
_INT = struct.Struct("!i")
STREAMS = (0, 1, 2)


# -- the command's side: `ledgerloop-dbt` ------------------------------------------------------

def run_forked(address: str, argv: list[str]) -> int | None:
    """Run dbt with `argv` in a fork of the warm process at `address`, with this process's
    environment, folder and streams; its exit code (negative: the signal that ended it), or None
    when no warm process took the command (run dbt here)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
        try:
            channel.connect(address)
            request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
            socket.send_fds(channel, [_LENGTH.pack(len(request))], list(STREAMS))
            channel.sendall(request)
        except OSError:
            return None
        pid = _receive_int(channel)
        if pid is None:
            return None  # the warm process went before forking: nothing of dbt ran
        forward = _forwarding_to(pid)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, forward)
        code = _receive_int(channel)
    if code is None:
        print(f"ledgerloop-dbt: the warm dbt process ended while dbt ran (PID {pid}); its outcome is "
              "unknown", file=sys.stderr)
        return 1
    return code


def _forwarding_to(pid: int) -> Callable:
    def forward(signum, _frame) -> None:
        with suppress(ProcessLookupError):
            os.kill(pid, signum)
    return forward


def _receive_int(channel: socket.socket) -> int | None:
    """The next number the warm process sends; None when it went first (closed or reset)."""
    try:
        data = _receive_exactly(channel, _INT.size)
    except OSError:
        return None
    return None if data is None else _INT.unpack(data)[0]


def _receive_exactly(channel: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = channel.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


# -- the run's side ----------------------------------------------------------------------------

class WarmDbt:
    """The run's side of a warm dbt process."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process

    def end(self) -> None:
        """Tell the process to end once a command running in it is done (its memory is not
        needed after the run's dbt steps); idempotent."""
        if not self.process.stdin.closed:
            self.process.stdin.close()

    def wait(self) -> None:
        self.end()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def started() -> Iterator[WarmDbt]:
    """A warm dbt process for what runs inside, named in this process's environment (dbt's
    process inherits it); ended after."""
    folder = tempfile.mkdtemp(prefix="ledgerloop-dbt-")
    address = os.path.join(folder, "dbt.sock")
    before = os.environ.get(WARM_DBT)
    try:
        warm = WarmDbt(_launch(address))
        os.environ[WARM_DBT] = address
        try:
            yield warm
        finally:
            warm.wait()
    finally:
        if before is None:
            os.environ.pop(WARM_DBT, None)
        else:
            os.environ[WARM_DBT] = before
        shutil.rmtree(folder, ignore_errors=True)


def _launch(address: str) -> subprocess.Popen:
    """The warm process, its socket bound here first: a command that comes before the import is
    done waits for it instead of finding no socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(address)
        listener.listen()
        return subprocess.Popen(
            [sys.executable, "-P", "-m", __name__, str(listener.fileno())],
            pass_fds=[listener.fileno()], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C at the terminal is the command's to pass on, not its
        )


# -- the warm process --------------------------------------------------------------------------

def model_imports(project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    """The modules the project's Python models import (at the top or inside `model`)."""
    names: set[str] = set()
    for path in sorted((project_dir / "models").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(names)


def _warm_up(project_dir: Path = DBT_PROJECT_DIR) -> None:
    """Import what every dbt command imports, and what the project's Python models import (the
    risk models' pandas took ~0.4 s of each build's fork), with the collector off; freeze it, so
    the forks' collections skip it (and leave its memory shared)."""
    import gc

    gc.disable()
    import dbt.cli.main  # noqa: F401
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.adapters.postgres.connections import PostgresCredentials
    from dbt.contracts.project import PackageConfig, Project

    from orchestration.defs import dbt_events

    dbt_events.install()
    # The JSON schemas every command checks the project, its packages and the profile against,
    # built on first use and kept for the process (~0.15 s of each fork otherwise).
    for contract in (Project, PackageConfig, DuckDBCredentials, PostgresCredentials):
        contract.json_schema()
    for name in model_imports(project_dir):
        # A module that fails here fails again in its model, where dbt reports it by name.
        with suppress(Exception):
            importlib.import_module(name)
    gc.freeze()  # and the collector stays off: the fork turns it on once dbt's manifest is loaded


def serve(listener: socket.socket) -> NoReturn:
    """Run each command that comes on `listener` in a fork, until stdin closes. The process then
    ends at once: it holds nothing to close, and tearing down what it imported takes time and
    prints the DuckDB bindings' complaints about objects alive at exit."""
    _warm_up()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if listener in readable:  # a command that came is served before the end is heard
            channel, _ = listener.accept()
            with channel:
                _serve_one(listener, channel)
        elif not os.read(sys.stdin.fileno(), 1):
            os._exit(0)


def _serve_one(listener: socket.socket, channel: socket.socket) -> None:
    try:
        request, streams = _receive_request(channel)
    except (OSError, ValueError):
        return
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        listener.close()
        channel.close()
        _end_with(parent)
        _become(request, streams)
    for stream in streams:
        os.close(stream)
    with suppress(OSError):
        channel.sendall(_INT.pack(pid))
    code = _wait(pid, channel)
    with suppress(OSError):
        channel.sendall(_INT.pack(code))


def _receive_request(channel: socket.socket) -> tuple[dict, list[int]]:
    """The command's request and its streams; a broken one has its streams closed (else the
    command's reader would wait on a stream this process holds open)."""
    header, streams, _, _ = socket.recv_fds(channel, _LENGTH.size, len(STREAMS))
    try:
        if len(streams) != len(STREAMS):
            raise ValueError("a command came without its three streams")
        header += _receive_exactly(channel, _LENGTH.size - len(header)) or b""
        body = _receive_exactly(channel, _LENGTH.unpack(header)[0]) if len(header) == _LENGTH.size else None
        if body is None:
            raise ValueError("the command's request ended early")
        return json.loads(body), streams
    except BaseException:
        for stream in streams:
            os.close(stream)
        raise


def _wait(pid: int, channel: socket.socket) -> int:
    """The fork's exit code (negative: the signal that ended it). A command that goes away
    (killed) takes its dbt with it."""
    try:
        watch = os.pidfd_open(pid)
    except (AttributeError, OSError):  # before Linux 5.3: the fork is waited for, not watched
        watch = None
    if watch is not None:
        try:
            readable, _, _ = select.select([watch, channel], [], [])
            if watch not in readable:  # the command's end of the socket closed first
                os.kill(pid, signal.SIGTERM)
        finally:
            os.close(watch)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _end_with(parent: int) -> None:
    """In the fork: be ended when the warm process is (killed while dbt ran), so no dbt goes on
    unowned; a DuckDB query that dbt cannot cancel would run on forever."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it went before the line above
        os._exit(1)


def _become(request: dict, streams: list[int]) -> NoReturn:
    """In the fork: take the command's streams, folder, environment and arguments and run dbt. It
    exits as `ledgerloop-dbt` would (SystemExit through the interpreter's usual end, so dbt's
    exit handlers close the warehouse as they do there)."""
    for target, stream in zip(STREAMS, streams, strict=True):
        os.dup2(stream, target)
        os.close(stream)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if os.environ.get("PYTHONUNBUFFERED"):  # dagster-dbt's: lines as they come, as a fresh process
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(line_buffering=True)
    sys.argv = request["argv"]
    from orchestration.defs.dbt_process import run_dbt

    sys.exit(run_dbt(sys.argv[1:]))


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
