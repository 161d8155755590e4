"""Everything a refresh reads, summed up so a refresh with nothing new can say so in a second.

A refresh is a function of its inputs: the day it ages at, the policy, the code, the files
waiting in landing/, the portal's inboxes, the people's files under the home folder (contacts,
invoice copies in documents/, payment decisions, drafts approved, edited or rejected in the
outbox) and the warehouse as the last run left it. When none of them changed since the last
refresh that finished, a new one would write the same rows: `ledgerloop run` and the
quarter-hour schedule skip it and say why. Some inputs cannot be known without reading them (a
live Salesforce org, a file still settling in landing/): then there is no skipping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from notifications.draft_index import INDEX_NAME as DRAFT_INDEX
from orchestration.cash.decisions import decisions_path
from orchestration.dunning.contacts import contacts_path
from orchestration.ingest.waiting import waiting_files
from orchestration.outreach.portal_store import open_store
from orchestration.policy import Policy
from orchestration.settings import REPO_ROOT, Settings
from orchestration.state_records import state_folder, write_record
from portal.invoice_copies import documents_dir
from portal.store.inbox import newest_ids

CODE_FOLDERS = ("orchestration", "dbt_project", "notifications", "portal")
SKIPPED_FOLDERS = {"__pycache__", "target", "logs", "dbt_packages", ".venv"}
WRITTEN_BY_THE_RUN = ("drafts", "warehouse")
CACHE_FILES = (DRAFT_INDEX, "pending_events.lock")
"""Files in the outbox that reading pages and commands write without changing any draft."""


@dataclass(frozen=True)
class InputState:
    """A digest per input; `unknowable` names inputs that cannot be summed up without reading
    them (a refresh must run)."""

    parts: dict[str, str]
    unknowable: tuple[str, ...] = ()

    def changed_since(self, other: InputState) -> list[str]:
        """The inputs that differ from `other` (every one when either side cannot be known)."""
        if self.unknowable or other.unknowable:
            return sorted({*self.parts, *other.parts})
        return sorted(name for name in {*self.parts, *other.parts}
                      if self.parts.get(name) != other.parts.get(name))

    def settled_by(self, end: InputState) -> InputState:
        """A finished refresh's inputs: what it reads as they were when it started (`self`: a
        change while it ran is seen by the next), what it writes itself as it left them (`end`),
        and landing/ as it left it (the files it took are archived by then)."""
        return InputState({**self.parts, **{k: end.parts[k] for k in WRITTEN_BY_THE_RUN}}, end.unknowable)


@dataclass(frozen=True)
class LastRefresh:
    """The refresh whose inputs were recorded last (written when a refresh succeeds)."""

    run_id: str
    as_of: dt.date
    finished_at: dt.datetime
    inputs: InputState


def input_state(settings: Settings, policy: Policy, as_of: dt.date) -> InputState:
    """The inputs of a refresh of `settings.home` for `as_of`, the warehouse included."""
    with open_store(settings.home) as store:
        inboxes = newest_ids(store)
    waiting = waiting_files(settings.landing_dir, policy)
    on_server = settings.warehouse.name != "duckdb"
    unknowable = tuple(
        reason for reason, present in (
            ("a live Salesforce org (SALESFORCE_* set)", bool(settings.salesforce_environ)),
            (f"{len(waiting)} file(s) waiting in landing/", bool(waiting)),
            ("a warehouse on a server, which other processes write too", on_server),
        ) if present
    )
    home = settings.home
    parts = {
        "day": as_of.isoformat(),
        "policy": hashlib.sha256(settings.config_path.read_bytes()).hexdigest(),
        "code": _stat_digest(_files_under(*(REPO_ROOT / folder for folder in CODE_FOLDERS))),
        "portal inboxes": json.dumps(inboxes, sort_keys=True),
        "contacts": _stat_digest(_files_under(contacts_path(home).parent)),
        "invoice copies": _stat_digest(_files_under(documents_dir(home))),
        "payment decisions": _stat_digest([decisions_path(home)]),
        "drafts": _stat_digest(_folders_under(home / "outbox")),
        "warehouse": settings.warehouse.describe() if on_server
        else _stat_digest(_with_wal(settings.warehouse_path)),
    }
    return InputState(parts, unknowable)


def _began_path(home: Path, run_id: str) -> Path:
    return state_folder(home) / "refreshes" / f"{run_id}.json"


def forget_refresh(home: Path) -> None:
    """Before a run writes anything: no earlier refresh is current any more, and a run that began
    and never finished records nothing (the safe side)."""
    (state_folder(home) / "last_refresh.json").unlink(missing_ok=True)
    for other in _began_path(home, "*").parent.glob("*.json"):
        other.unlink(missing_ok=True)


def begin_refresh(settings: Settings, policy: Policy, as_of: dt.date, run_id: str) -> None:
    """Before a run writes anything: forget the last refresh, and keep this one's inputs as they
    are now (what it reads; a change while it runs is seen by the next)."""
    forget_refresh(settings.home)
    inputs = input_state(settings, policy, as_of)
    write_record(_began_path(settings.home, run_id), {"as_of": as_of.isoformat(), "inputs": inputs.parts})


def finish_refresh(settings: Settings, policy: Policy, run_id: str, finished_at: dt.datetime) -> None:
    """After a whole refresh succeeded: remember its inputs, so the next with nothing new skips.
    What it wrote itself (warehouse, drafts) and landing/ are taken as it left them."""
    began_path = _began_path(settings.home, run_id)
    try:
        began = json.loads(began_path.read_text())
    except OSError:  # not begun by this code (an older run): nothing to remember
        return
    as_of = dt.date.fromisoformat(began["as_of"])
    inputs = InputState(began["inputs"]).settled_by(input_state(settings, policy, as_of))
    if not inputs.unknowable:
        write_record(state_folder(settings.home) / "last_refresh.json", {
            "run_id": run_id, "as_of": as_of.isoformat(), "finished_at": finished_at.isoformat(),
            "inputs": inputs.parts,
        })
    began_path.unlink(missing_ok=True)


def last_refresh(home: Path) -> LastRefresh | None:
    """The last refresh remembered, or None (none yet, one running, or the record unreadable)."""
    try:
        record = json.loads((state_folder(home) / "last_refresh.json").read_text())
        return LastRefresh(record["run_id"], dt.date.fromisoformat(record["as_of"]),
                           dt.datetime.fromisoformat(record["finished_at"]), InputState(record["inputs"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def nothing_new(settings: Settings, policy: Policy, as_of: dt.date) -> LastRefresh | None:
    """The last refresh when it read exactly the inputs a refresh for `as_of` would read now."""
    last = last_refresh(settings.home)
    if last is None or input_state(settings, policy, as_of).changed_since(last.inputs):
        return None
    return last


def _with_wal(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + ".wal")]


def _files_under(*folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        for directory, subfolders, files in os.walk(folder):
            subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED_FOLDERS)
            found.extend(Path(directory, name) for name in sorted(files))
    return found


def _folders_under(root: Path) -> list[Path]:
    """Every folder below `root`, and the entries of a folder holding a cache the pages write
    (the drafts index): a draft written, moved between states, edited (replaced) or removed
    changes its folder's modification time, without reading thousands of drafts."""
    found = []
    for directory, subfolders, files in os.walk(root):
        subfolders.sort()
        caches = [name for name in files if name.startswith(CACHE_FILES)]
        if not caches:
            found.append(Path(directory))
            continue
        found.extend(Path(directory, name) for name in sorted(files) if name not in caches)
    return found


def _stat_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        except FileNotFoundError:
            digest.update(f"{path}:absent\n".encode())
    return digest.hexdigest()
