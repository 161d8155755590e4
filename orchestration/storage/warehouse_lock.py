"""Who holds the warehouse, in one line a person can act on.

DuckDB admits one writing process per file. When another process holds it, DuckDB's error names
that process's executable and PID; this turns it into who it is (a `ledgerloop run`, a run that
`ledgerloop serve` started, a notebook) and what to do. Light to import: no duckdb, no Dagster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
_LOCK = re.compile(r"Could not set lock on file|Conflicting lock is held")
_ANCESTORS = 8  # how far up the process tree to look for the ledgerloop command behind a run


@dataclass(frozen=True)
class Process:
    pid: int
    argv: tuple[str, ...]

    @property
    def command(self) -> str:
        """The command line, shortened to what a person recognises (`ledgerloop serve`)."""
        ledgerloop = _ledgerloop_command(self.argv)
        if ledgerloop:
            return ledgerloop
        words = [Path(self.argv[0]).name, *self.argv[1:]] if self.argv else []
        text = " ".join(" ".join(words).split())  # one line, whatever the arguments hold
        return text if len(text) <= 100 else text[:97] + "..."


def is_lock_error(message: str) -> bool:
    """True when DuckDB refused the file because another process holds it."""
    return bool(_LOCK.search(message))


def explain_lock(message: str, path: Path) -> str:
    """One line: who holds `path` (from DuckDB's `message`) and what to do about it."""
    found = _HOLDER.search(message)
    if not found:
        return (f"{path} is open in another process (DuckDB admits one writer): close that "
                "program or wait for the run using it to end, then try again")
    pid = int(found["pid"])
    holder = _process(pid) or Process(pid, (found["exe"],))
    owner = next((p for p in _lineage(holder) if _ledgerloop_command(p.argv)), None)
    command = _ledgerloop_command(owner.argv) if owner else ""
    if command == "ledgerloop serve":
        who = f"a run started by `ledgerloop serve` (PID {owner.pid}; the run is PID {pid})"
        todo = ("wait for it to finish (the Dagster UI lists it under Runs) or stop "
                "`ledgerloop serve`, then try again")
    elif command == "ledgerloop run":
        who = f"another `ledgerloop run` (PID {owner.pid})"
        todo = "wait for it to finish, then try again"
    elif owner:
        who = f"`{command}` (PID {owner.pid})"
        todo = "wait for it to finish, then try again"
    elif _is_dagster_run(holder.argv):
        who = f"a Dagster run (PID {pid})"
        todo = "wait for it to finish (the Dagster UI lists it under Runs), then try again"
    else:
        who = f"PID {pid} (`{holder.command}`)"
        todo = f"close it there or stop it (`kill {pid}`), then try again"
    return f"{path} is held by {who}: {todo}"


def warehouse_in_use(path: Path) -> str | None:
    """None when this process could open the warehouse for writing now, else `explain_lock`."""
    if not path.is_file():
        return None
    import duckdb

    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as exc:
        if is_lock_error(str(exc)):
            return explain_lock(str(exc), path)
        raise
    return None


def _is_dagster_run(argv: tuple[str, ...]) -> bool:
    words = [Path(w).name for w in argv[:4]]
    return "dagster" in words and any(w in ("execute_run", "execute_step") for w in words)


def _ledgerloop_command(argv: tuple[str, ...]) -> str:
    """`ledgerloop <subcommand>` when argv runs the ledgerloop CLI, else ''."""
    for index, word in enumerate(argv[:3]):
        if Path(word).name == "ledgerloop":
            subcommand = next((w for w in argv[index + 1:] if not w.startswith("-")), "")
            return f"ledgerloop {subcommand}".strip()
    return ""


def _lineage(process: Process) -> list[Process]:
    """The process and its ancestors (Linux /proc; just the process elsewhere)."""
    chain = [process]
    for _ in range(_ANCESTORS):
        parent = _parent_pid(chain[-1].pid)
        found = _process(parent) if parent and parent > 1 else None
        if found is None:
            break
        chain.append(found)
    return chain


def _process(pid: int) -> Process | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    argv = tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return Process(pid, argv) if argv else None


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name in parentheses may hold spaces; the parent pid follows the state field.
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[1]) if len(fields) > 1 else None
