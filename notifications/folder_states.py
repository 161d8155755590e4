"""The state machine every outbox shares: a message's state is the folder it sits in.

`drafts/<date>/<entry>` -> `approved/<date>/` -> `sending/<date>/` -> `sent/<date>/`, or a draft
-> `rejected/<date>/` (with the reason beside it), changed by atomic renames under a lock (one
writer at a time: the pipeline writing drafts, a person approving, editing, rejecting or sending).
A watcher (the dunning drafts index) is told of every change, under that lock. A message moves
to `sending/` (and the move is made durable) *before* it is handed over for delivery, so a crash
mid-way leaves it there and a later send reports it as uncertain instead of delivering it twice.
An entry is one file (an email's `.eml`) or one folder (an SMS or a letter with its PDF); the
email outbox and the SMS/letter outboxes differ only in that, in how they deliver and in what
they audit.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import json
import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

STATES = ("drafts", "approved", "sending", "sent", "rejected")
BULK_SYNC_EVERY = 1000
"""Drafts written in `bulk()` between two syncs: a crash of the machine loses at most these."""
REJECTION_SUFFIX = ".rejection.json"
"""`rejected/<date>/<name>.rejection.json`: who rejected a draft, when and why."""


class OutboxError(RuntimeError):
    """An outbox operation that cannot proceed; the message says which file and why."""


@dataclass(frozen=True)
class StoredItem(ABC):
    """One message in one state: `path` is its file or folder."""

    state: str
    day: str
    name: str
    path: Path

    @property
    def ident(self) -> str:
        """How a person names a message on the command line: `<date>/<name>`."""
        return f"{self.day}/{self.name}"

    @property
    def entry_file(self) -> Path:
        """The file whose change means the message changed (a folder's `message.json`)."""
        return self.path

    @abstractmethod
    def message(self) -> Any:
        """The stored message, parsed (an email, an SMS, a letter)."""


class StateWatcher(Protocol):
    """Told of each change an outbox makes, under its lock; must not raise (best effort: the
    dunning drafts index reconciles itself with the folders anyway)."""

    def placed(self, item: StoredItem) -> None:
        """`item` was written (or rewritten) in its state."""

    def moved(self, item: StoredItem, to: StoredItem) -> None:
        """`item` is now `to` (another state)."""

    def removed(self, item: StoredItem) -> None:
        """`item` is gone."""


ItemT = TypeVar("ItemT", bound=StoredItem)
Deliver = Callable[[Any, Any], Any]
"""(item now in sending/, its message) -> the delivery's reference; raises a refusal when not accepted."""


@dataclass
class SendReport(Generic[ItemT]):
    sent: list[ItemT] = field(default_factory=list)
    refused: list[tuple[ItemT, str]] = field(default_factory=list)
    uncertain: list[ItemT] = field(default_factory=list)
    held: list[ItemT] = field(default_factory=list)
    """Approved but scheduled after `now`: they wait for a later send."""


class FolderStates(Generic[ItemT]):
    """The state folders under `root`. Entries are named `<name><suffix>`; with `marker`, an
    entry is a folder and only folders holding that file count."""

    def __init__(
        self,
        root: Path,
        item: type[ItemT],
        suffix: str = "",
        marker: str | None = None,
        watcher: StateWatcher | None = None,
    ) -> None:
        self.root = root
        self._item = item
        self._suffix = suffix
        self._marker = marker
        self.watcher = watcher
        self._unsynced: int | None = None
        """Drafts written since the last sync while `bulk()` is on; None when it is off."""
        self._sync_every = BULK_SYNC_EVERY

    @contextmanager
    def bulk(self, sync_every: int = BULK_SYNC_EVERY) -> Iterator[None]:
        """Write many drafts with one filesystem sync per `sync_every` of them (and one at the
        end) instead of two fsyncs each: the pipeline's drafting of a large backlog. Each draft is
        still renamed into place under the lock; what the block wrote is durable when it ends,
        which is before the caller records anything as drafted."""
        self._unsynced, self._sync_every = 0, sync_every
        try:
            yield
        finally:
            unsynced, self._unsynced = self._unsynced, None
            if unsynced:
                sync_filesystem(self.root)

    def locked(self) -> AbstractContextManager[None]:
        """Hold the outbox's lock: no draft is written, moved or removed meanwhile (by this code)."""
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time: the pipeline writing drafts, a person approving or sending."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _path(self, state: str, day: str, name: str) -> Path:
        return self.root / state / day / f"{name}{self._suffix}"

    def items(self, state: str, day: str | None = None) -> list[ItemT]:
        """Messages in one state, oldest day first."""
        pattern = f"{day or '*'}/*{self._suffix}" + (f"/{self._marker}" if self._marker else "")
        entries = (p.parent if self._marker else p for p in (self.root / state).glob(pattern))
        return sorted(
            (self._item(state, e.parent.name, e.name.removesuffix(self._suffix), e) for e in entries),
            key=lambda item: (item.day, item.name),
        )

    def _write_draft(
        self, day: str, name: str, write_entry: Callable[[Path, bool], None], *, replace_only: bool = False
    ) -> Path | None:
        """Write (or refresh) a draft with `write_entry(path, durable)`, which writes the content
        (durable: fsynced) and renames it into place; None when this message of this day is
        already approved, sent or rejected (or, with `replace_only`, when it is not a draft now: a
        person's edit never brings back a draft withdrawn or approved meanwhile)."""
        with self._locked():
            path = self._path("drafts", day, name)
            if any(self._path(s, day, name).exists() for s in STATES[1:]):
                return None
            if replace_only and not path.exists():
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            durable = self._unsynced is None
            write_entry(path, durable)
            if durable:
                _fsync_dir(path.parent)
            else:
                self._unsynced += 1
                if self._unsynced >= self._sync_every:
                    sync_filesystem(self.root)
                    self._unsynced = 0
            if self.watcher is not None:
                self.watcher.placed(self._item("drafts", day, name, path))
            return path

    def withdraw(self, ident: str) -> bool:
        """Delete one unapproved draft (`<date>/<name>`); False when it is no longer a draft."""
        day, _, name = ident.partition("/")
        with self._locked():
            path = self._path("drafts", day, name)
            if not _is_entry_name(day, name) or not path.exists():
                return False
            self._remove(self._item("drafts", day, name, path))
            return True

    def _remove(self, item: ItemT) -> None:
        _remove(item.path)
        if self.watcher is not None:
            self.watcher.removed(item)

    def draft(self, ident: str) -> ItemT | None:
        """The draft named `<date>/<name>`, if it is one now."""
        day, _, name = ident.partition("/")
        path = self._path("drafts", day, name)
        if not _is_entry_name(day, name) or not path.exists():
            return None
        if self._marker and not (path / self._marker).exists():
            return None
        return self._item("drafts", day, name, path)

    def _reject(self, ident: str, note: dict[str, str], audit: Callable[[ItemT], None]) -> ItemT | None:
        """Move one draft to rejected/ with `note` (who, when, why) beside it, audited; None when it
        is no longer a draft (approved, rejected or withdrawn meanwhile)."""
        with self._locked():
            item = self.draft(ident)
            if item is None:
                return None
            target = self._path("rejected", item.day, item.name)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_private(target.with_name(item.name + REJECTION_SUFFIX), json.dumps(note, sort_keys=True))
            moved = self._move(item, "rejected")
            audit(moved)
            return moved

    def _approve(self, idents: list[str], what: str, audit: Callable[[ItemT], None]) -> list[ItemT]:
        """Move the named drafts (`<date>/<name>`) to approved, auditing each; an unknown name is an
        error naming `what` was looked for."""
        with self._locked():
            drafts = {item.ident: item for item in self.items("drafts")}
            unknown = [i for i in idents if i not in drafts]
            if unknown:
                raise OutboxError(f"no {what} named {', '.join(unknown)} in {self.root / 'drafts'}")
            approved = []
            for ident in idents:
                moved = self._move(drafts[ident], "approved")
                audit(moved)
                approved.append(moved)
            return approved

    def _send(
        self,
        now: dt.datetime | None,
        send_after: Callable[[ItemT], dt.datetime | None],
        delivery: Callable[[], AbstractContextManager[Deliver]],
        refusals: type[Exception] | tuple[type[Exception], ...],
        audit_refused: Callable[[ItemT, Any, Exception], None],
        audit_sent: Callable[[ItemT, Any, Any], None],
    ) -> SendReport[ItemT]:
        """Deliver every approved message once (with `now`, those scheduled later wait); report
        refusals, which go back to approved/, and earlier uncertain sends. `delivery` is opened
        only when something is due."""
        report: SendReport[ItemT] = SendReport()
        with self._locked():
            report.uncertain = self.items("sending")
            pending = self.items("approved")
            if now is not None:
                report.held = [item for item in pending if _later(send_after(item), now)]
                pending = [item for item in pending if item not in report.held]
            if not pending:
                return report
            with delivery() as deliver:
                for item in pending:
                    message = item.message()
                    sending = self._move(item, "sending")  # durable before delivery sees it
                    try:
                        reference = deliver(sending, message)
                    except refusals as exc:
                        back = self._move(sending, "approved")
                        audit_refused(back, message, exc)
                        report.refused.append((back, str(exc)))
                        continue
                    sent = self._move(sending, "sent")
                    audit_sent(sent, message, reference)
                    report.sent.append(sent)
        return report

    def _move(self, item: ItemT, state: str) -> ItemT:
        target = self._path(state, item.day, item.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise OutboxError(f"{target} already exists; not overwriting it with {item.path}")
        os.rename(item.path, target)
        _fsync_dir(target.parent)
        _fsync_dir(item.path.parent)
        moved = self._item(state, item.day, item.name, target)
        if self.watcher is not None:
            self.watcher.moved(item, moved)
        return moved


def rejection_note(item: StoredItem) -> dict[str, str]:
    """Who rejected a rejected message, when and why (empty when the note is missing)."""
    path = item.path.with_name(item.name + REJECTION_SUFFIX)
    try:
        note = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in note.items()} if isinstance(note, dict) else {}


def _is_entry_name(day: str, name: str) -> bool:
    """A name a person may give: one folder level, no path tricks."""
    return bool(day and name) and not any(part in ("", ".", "..") or "/" in part or "\\" in part
                                          for part in (day, name))


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(fd)


def _later(moment: dt.datetime | None, now: dt.datetime) -> bool:
    return moment is not None and moment > now


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def sync_filesystem(path: Path) -> None:
    """Flush every write to the filesystem that holds `path`: one call for many files (Linux
    `syncfs`; `os.sync` where there is none)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if _SYNCFS is None:
            os.sync()
        elif _SYNCFS(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"syncfs of {path}: {os.strerror(error)}")
    finally:
        os.close(fd)


def _libc_syncfs() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _libc_syncfs()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
