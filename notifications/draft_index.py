"""An index of the dunning outboxes, so that listing thousands of drafts is one query, not one file
read per draft.

It lives beside the files it describes, `outbox/dunning/index.sqlite3` (SQLite in WAL mode,
owner-only: the previews are customer data), not in the portal store: whoever changes a draft (the
pipeline drafting, a person approving, editing, rejecting or sending, from the portal or the CLI)
updates it under the outbox's own lock, with no second database in the transaction and whatever
database the portal store is. It is a cache of the folders and never their master: before a read,
`sync()` lists again only the day folders whose modification time changed since they were last
read (a few `stat` calls when nothing changed) and parses only entries that are new or replaced,
so a file removed, moved, sent or dropped in by hand is seen at the next read, and deleting the
index file merely costs one rebuild.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

from notifications.channels import dunning_root, outbox_channels
from notifications.channels.message_folder import ATTACHMENT
from notifications.draft_rows import COLUMNS, DunningDraft, read_row
from notifications.folder_states import STATES, FolderStates, StoredItem

log = logging.getLogger("notifications.draft_index")
INDEX_NAME = "index.sqlite3"
INDEX_VERSION = 2
"""How entries are read into rows; an index written by an older reading is rebuilt once (1: an
email's folded headers are unfolded, where 0 kept their line breaks; 2: its invoice keys are
trimmed, as a mail client may fold the list after a comma)."""
RACY_NS = 100_000_000
"""A folder whose modification time is not this much older than the start of a sync could change
again within the same clock tick while it is read: it is not recorded as read, so the next sync
lists it again (file times are coarser than the clock: a tick is 1-10 ms)."""
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SCHEMA = """
create table if not exists drafts (
    channel text not null, state text not null, day text not null, name text not null,
    signature text not null, kind text not null, account_id text, notice_id text,
    recipient text not null, subject text not null, send_after text, invoice_keys text not null,
    body text not null, segments integer, encoding text, has_pdf integer not null,
    editable integer not null, edited_by text, rejected_by text, rejected_at text,
    rejected_reason text,
    primary key (channel, state, day, name)
);
create index if not exists drafts_by_state_account on drafts (state, account_id, day, name);
create table if not exists folders (
    channel text not null, state text not null, day text not null, mtime_ns integer not null,
    primary key (channel, state, day)
);
"""
_FIELDS = ("channel", "state", "day", "name", "signature", *COLUMNS)
_UPSERT = (
    "insert or replace into drafts (channel, state, day, name, signature, kind, account_id, notice_id, "
    "recipient, subject, send_after, invoice_keys, body, segments, encoding, has_pdf, editable, "
    "edited_by, rejected_by, rejected_at, rejected_reason) "
    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "select channel, state, day, name, signature, kind, account_id, notice_id, recipient, subject, "
    "send_after, invoice_keys, body, segments, encoding, has_pdf, editable, edited_by, rejected_by, "
    "rejected_at, rejected_reason from drafts "
)
# Customer dunning only (escalations go to managers), in the given states (a JSON list).
_CUSTOMER = "where state in (select value from json_each(?)) and kind <> 'escalation' "
_ANY_ACCOUNT = "and account_id is not null "
_ACCOUNTS = "and account_id in (select value from json_each(?)) "
_PAGE = "order by day, name, channel limit ? offset ?"
_ONE = "and channel = ? and day = ? and name = ?"
_COUNT = "select count(*) from drafts "
_DIRTY = "insert or ignore into folders values (?, ?, ?, -1)"
_DELETE_ONE = "delete from drafts where channel = ? and state = ? and day = ? and name = ?"


_local = threading.local()


def _connection(path: Path) -> sqlite3.Connection:
    """This thread's connection to the index at `path`, kept open: opening one per call would make
    SQLite checkpoint and sync the WAL each time the last connection closes."""
    cache = getattr(_local, "connections", None)
    if cache is None or _local.pid != os.getpid():  # a forked child must not reuse its parent's
        cache = _local.connections = {}
        _local.pid = os.getpid()
    con = cache.get(path)
    if con is None or not path.exists():
        con = cache[path] = _open(path)
    return con


def _open(path: Path) -> sqlite3.Connection:
    """Create the index owner-only (the previews are customer data), WAL, with its schema."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    con.execute("pragma busy_timeout = 10000")
    if con.execute("pragma journal_mode").fetchone()[0].lower() != "wal":
        con.execute("pragma journal_mode = wal")
    con.execute("pragma synchronous = normal")
    con.executescript(_SCHEMA)
    if con.execute("pragma user_version").fetchone()[0] < INDEX_VERSION:  # read by an older reader
        con.executescript(f"delete from drafts; delete from folders; pragma user_version = {INDEX_VERSION};")
    return con


def _signature(item: StoredItem) -> str:
    """What changes when an entry is replaced: inode, modification time and size of its file."""
    stat = item.entry_file.stat()
    return f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


class DraftIndex:
    """The index of `$LEDGERLOOP_HOME/outbox/dunning/`, and the channels' outboxes that keep it current."""

    def __init__(self, home: Path, *, batch_size: int = 0) -> None:
        """`batch_size`: index drafts as they are written in batches of this many, in one
        transaction each (the pipeline, which drafts thousands; `flush()` writes the rest)."""
        self.path = dunning_root(home) / INDEX_NAME
        self._batch_size = batch_size
        self._pending: list[tuple[str, StoredItem]] = []
        self.outboxes: dict[str, FolderStates] = {
            channel.label: channel.outbox(home, watcher=_Watcher(self, channel.label))
            for channel in outbox_channels()
        }  # by label: `dunning` (email), `sms`, `letter`

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        yield _connection(self.path)

    # keeping it current -------------------------------------------------------------------------
    def put(self, label: str, item: StoredItem) -> None:
        """Index one entry as it is now (parsed from its file), at once or with its batch."""
        self._pending.append((label, item))
        if len(self._pending) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        """Index the entries put since the last flush, in one transaction (an entry gone meanwhile
        is left to `sync()`)."""
        pending, self._pending = self._pending, []
        rows = []
        for label, item in pending:
            with suppress(OSError, ValueError, KeyError, TypeError):
                row = read_row(label, item, _signature(item))
                rows.append([label, item.state, item.day, item.name, *row])
        if not rows:
            return
        with self._connect() as con:
            con.execute("begin immediate")
            con.executemany(_UPSERT, rows)
            con.executemany(_DIRTY, [row[:3] for row in rows])
            con.execute("commit")

    def move(self, label: str, item: StoredItem, to: StoredItem) -> None:
        """An entry changed state: its row follows without parsing it again (a rejection's note is
        read from beside it)."""
        self.flush()
        if to.state == "rejected":
            with self._connect() as con:
                con.execute(_DELETE_ONE, [label, item.state, item.day, item.name])
            self.put(label, to)
            return
        with self._connect() as con:
            con.execute("begin immediate")
            con.execute(
                "update drafts set state = ?, signature = ? "
                "where channel = ? and state = ? and day = ? and name = ?",
                [to.state, _signature(to), label, item.state, item.day, item.name],
            )
            con.execute(_DIRTY, [label, to.state, to.day])
            con.execute("commit")

    def drop(self, label: str, item: StoredItem) -> None:
        """An entry is gone."""
        self.flush()
        with self._connect() as con:
            con.execute(_DELETE_ONE, [label, item.state, item.day, item.name])

    def sync(self, *, locked: bool = False) -> None:
        """Bring the index in line with the folders: list again only the day folders that changed
        since they were last read, parse only new or replaced entries, forget what is gone.

        `locked`: hold each outbox's lock meanwhile, so no writer of ours changes a folder while it
        is read and a folder just written can be recorded as read at once (the pipeline does this
        when it has drafted, so the portal's next read finds nothing to do)."""
        self.flush()
        settled_before = time.time_ns() - RACY_NS
        with self._connect() as con:
            known = {(c, s, d): m for c, s, d, m in con.execute("select * from folders")}
        seen: set[tuple[str, str, str]] = set()
        for label, outbox in self.outboxes.items():
            with outbox.locked() if locked else nullcontext():
                for state in STATES:
                    for day, mtime in _day_folders(outbox.root / state):
                        seen.add((label, state, day))
                        if known.get((label, state, day)) != mtime:
                            settled = locked or mtime < settled_before
                            self._rescan(label, outbox, state, day, mtime, settled=settled)
        gone = [key for key in known if key not in seen]
        if gone:
            with self._connect() as con:
                con.execute("begin immediate")
                for key in gone:
                    con.execute("delete from drafts where channel = ? and state = ? and day = ?", key)
                    con.execute("delete from folders where channel = ? and state = ? and day = ?", key)
                con.execute("commit")

    def _rescan(
        self, label: str, outbox: FolderStates, state: str, day: str, mtime: int, *, settled: bool
    ) -> None:
        with self._connect() as con:
            indexed = dict(
                con.execute(
                    "select name, signature from drafts where channel = ? and state = ? and day = ?",
                    [label, state, day],
                )
            )
        rows, complete, present = [], True, set()
        for item in outbox.items(state, day):
            try:
                signature = _signature(item)
                present.add(item.name)
                if indexed.get(item.name) != signature:
                    rows.append([label, state, day, item.name, *read_row(label, item, signature)])
            except (OSError, ValueError, KeyError, TypeError):  # moved meanwhile or unreadable
                complete = False
        with self._connect() as con:
            con.execute("begin immediate")
            for name in set(indexed) - present:
                con.execute(_DELETE_ONE, [label, state, day, name])
            con.executemany(_UPSERT, rows)
            con.execute(
                "insert or replace into folders values (?, ?, ?, ?)",
                [label, state, day, mtime if complete and settled else -1],
            )
            con.execute("commit")

    # reading --------------------------------------------------------------------------------------
    def drafts(
        self,
        accounts: Collection[str] | None,
        states: Collection[str] = ("drafts",),
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[DunningDraft]:
        """Customer dunning messages in `states` whose account is in `accounts` (None: every
        account), oldest day first; escalations to managers are not customer dunning."""
        where, params = _filter(accounts, states)
        with self._connect() as con:
            rows = con.execute(_SELECT + where + _PAGE, [*params, -1 if limit is None else limit, offset])
            return [DunningDraft.from_row(dict(zip(_FIELDS, row, strict=True))) for row in rows]

    def count(self, accounts: Collection[str] | None, states: Collection[str] = ("drafts",)) -> int:
        """How many `drafts()` would list without a limit."""
        where, params = _filter(accounts, states)
        with self._connect() as con:
            return con.execute(_COUNT + where, params).fetchone()[0]

    def find(self, label: str, states: Collection[str] = ("drafts",)) -> DunningDraft | None:
        """One customer dunning message by its labelled name, in one of `states`."""
        channel, _, ident = label.partition(":")
        day, _, name = ident.partition("/")
        where, params = _filter(None, states)
        with self._connect() as con:
            row = con.execute(_SELECT + where + _ONE, [*params, channel, day, name]).fetchone()
        return None if row is None else DunningDraft.from_row(dict(zip(_FIELDS, row, strict=True)))

    def attachment_path(self, draft: DunningDraft) -> Path:
        """Where a draft's PDF is (a letter's folder, named by the index, never by a request)."""
        channel_label = draft.label.partition(":")[0]
        return self.outboxes[channel_label].root / draft.state / draft.day / draft.name / ATTACHMENT


def _filter(accounts: Collection[str] | None, states: Collection[str]) -> tuple[str, list]:
    """The WHERE clause (constant text) and its parameters for customer messages of `accounts`."""
    params: list = [json.dumps([s for s in STATES if s in states])]
    if accounts is None:
        return _CUSTOMER + _ANY_ACCOUNT, params
    return _CUSTOMER + _ACCOUNTS, [*params, json.dumps(sorted(accounts))]


def _day_folders(base: Path) -> list[tuple[str, int]]:
    """(day, modification time) of each `<date>` folder under one state folder."""
    try:
        entries = list(os.scandir(base))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        if _DAY.match(entry.name) and entry.is_dir(follow_symlinks=False):
            with suppress(FileNotFoundError):
                found.append((entry.name, entry.stat(follow_symlinks=False).st_mtime_ns))
    return found


class _Watcher:
    """One outbox's changes, into the index. Best effort: a failure is logged and left for the
    next `sync()`, which sees the folder changed."""

    def __init__(self, index: DraftIndex, label: str) -> None:
        self._index = index
        self._label = label

    def _tell(self, what: str, *args) -> None:
        try:
            getattr(self._index, what)(self._label, *args)
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("dunning drafts index not updated (%s %s): %s", what, args[-1].ident, exc)

    def placed(self, item: StoredItem) -> None:
        self._tell("put", item)

    def moved(self, item: StoredItem, to: StoredItem) -> None:
        self._tell("move", item, to)

    def removed(self, item: StoredItem) -> None:
        self._tell("drop", item)
