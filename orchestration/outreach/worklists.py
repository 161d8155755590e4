"""Daily worklist exports: each collector's ranked accounts (`marts.collector_worklist`) with their
invoices under them (`marts.collector_worklist_items`) as CSV, XLSX and a phone-readable HTML
page in `exports/worklists/<date>/`.

Collectors work from files they can open anywhere (a spreadsheet, a page on the phone), so the
day's folder is replaced whole: it never mixes two runs or keeps a collector who left the list.
A collector whose list did not change since the day's last export keeps its files (linked into
the new folder, not written again): at a million invoices the XLSX alone took 16 s a refresh.
The lists that did change are written in `workers` processes when they are long enough to share
(XLSX writing is pure Python: one process uses one core).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2

from orchestration.outreach import worklist_files
from orchestration.outreach.worklist_files import (
    ACCOUNT_COLUMNS,
    ITEM_COLUMNS,
    account_row,
    driver_list,
    item_rows,
    write_csv,
    write_xlsx,
)
from orchestration.state_records import write_record

ACCOUNTS_QUERY = """
select collector, rank, item_key, account_id, account_name, payment_id, contact_name, contact_email,
    contact_phone, open_invoices, currency, balance, open_balances, due_date, days_past_due,
    next_action, due_by, priority_score, cast(drivers as varchar) as drivers, notes
from marts.collector_worklist
order by collector, rank
"""

ITEMS_QUERY = """
select items.collector, coalesce(items.account_id, items.item_key) as account_key, items.item_key,
    items.invoice_key, items.payment_id, items.display_number, items.invoice_number, items.currency,
    items.balance, items.due_date, items.days_past_due, items.next_action, items.due_by,
    items.promise_text, items.dispute_text, items.plan_text, items.director_text, items.payment_text
from marts.collector_worklist_items as items
order by items.collector, items.days_past_due desc nulls last, items.balance desc, items.item_key
"""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
)


_PAGE_TEMPLATE = "worklist_page.html.jinja2"
_FORMAT_SOURCES = (Path(worklist_files.__file__), Path(__file__), _TEMPLATES / _PAGE_TEMPLATE)
"""The code that shapes the files: a changed format writes every file again."""


@dataclass(frozen=True)
class ExportedWorklists:
    """What one export wrote: the day's folder, the collectors in it and their accounts, and the
    collectors whose files were kept from the day's last export."""

    folder: Path
    files_by_collector: dict[str, str]
    rows: int
    kept: tuple[str, ...] = ()


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict]:
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def read_worklists(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Each collector's accounts in rank order, each with its `items` (most overdue first)."""
    items: dict[tuple[str, str], list[dict]] = {}
    for item in _rows(con, ITEMS_QUERY):
        items.setdefault((item.pop("collector"), item.pop("account_key")), []).append(item)
    lists: dict[str, list[dict]] = {}
    for account in _rows(con, ACCOUNTS_QUERY):
        collector = account.pop("collector")
        account["items"] = items.get((collector, account["item_key"]), [])
        lists.setdefault(collector, []).append(account)
    return lists


def file_stems(collectors: Iterable[str]) -> dict[str, str]:
    """A safe, unique file name stem per collector (`Chris O'Neil` -> `Chris_O_Neil`); names
    that clean up to the same stem get `-2`, `-3`… in sorted order so runs agree."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for collector in sorted(collectors):
        base = _UNSAFE.sub("_", collector).strip("._") or "collector"
        stem, n = base, 1
        while stem.casefold() in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem.casefold())
        stems[collector] = stem
    return stems


def day_text(day: dt.date | None, as_of: dt.date) -> str:
    """`26 Nov`, with the year when it is not the list's year (as the worklist's words say it)."""
    if day is None:
        return "no date"
    return f"{day.day} {day:%b}" + ("" if day.year == as_of.year else f" {day.year}")


def _page_account(account: dict, as_of: dt.date) -> dict:
    phone = account.get("contact_phone") or ""
    return {
        **account,
        "tel": re.sub(r"[^0-9+]", "", phone),
        "due_text": day_text(account["due_by"], as_of),
        "driver_list": driver_list(account["drivers"]),
        "items": [
            {**item, "due_text": day_text(item["due_date"], as_of),
             "balance_text": "" if item["balance"] is None else f"{item['balance']:,.2f}"}
            for item in account["items"]
        ],
    }


def render_html(collector: str, accounts: list[dict], as_of: dt.date, page_items: int) -> str:
    """The collector's first `page_items` accounts as a self-contained page (no JavaScript),
    escaped throughout: a phone cannot page through thousands of rows."""
    shown = [_page_account(account, as_of) for account in accounts[:page_items]]
    return _ENVIRONMENT.get_template(_PAGE_TEMPLATE).render(
        collector=collector, accounts=shown, total=len(accounts), as_of=as_of)


def file_names(stem: str) -> tuple[str, ...]:
    """A collector's files: accounts CSV, invoices CSV, the XLSX and the phone page."""
    return (f"{stem}.csv", f"{stem}-invoices.csv", f"{stem}.xlsx", f"{stem}.html")


def list_digests(lists: dict[str, list[dict]], stems: dict[str, str], as_of: dt.date,
                 page_items: int) -> dict[str, str]:
    """Per collector, a digest of everything their files are made of: the rows, the file names,
    the day, the page's length and the code that writes them."""
    code = hashlib.sha256(b"".join(path.read_bytes() for path in _FORMAT_SOURCES)).hexdigest()
    return {
        collector: hashlib.sha256(
            repr((code, as_of, page_items, stems[collector], collector, accounts)).encode()
        ).hexdigest()
        for collector, accounts in lists.items()
    }


def _stamps(folder: Path, names: tuple[str, ...]) -> list[list[int]] | None:
    """Size and modification time of each file (None when one is missing)."""
    try:
        return [[stat.st_size, stat.st_mtime_ns] for stat in (os.stat(folder / name) for name in names)]
    except FileNotFoundError:
        return None


def _unchanged(record: Path, folder: Path, stems: dict[str, str]) -> dict[str, str]:
    """The digests of the collectors whose files in `folder` are as the last export recorded them
    (none for another day's folder or an unreadable record; a file edited or gone since is not)."""
    try:
        kept = json.loads(record.read_text())
    except (OSError, ValueError):
        return {}
    if kept.get("folder") != str(folder):
        return {}
    return {
        collector: entry["digest"]
        for collector, entry in kept.get("collectors", {}).items()
        if collector in stems and entry.get("files") == _stamps(folder, file_names(stems[collector]))
    }


def _linked(names: tuple[str, ...], source: Path, target: Path) -> None:
    """The files kept from the day's last export, in the folder being written (hard links)."""
    for name in names:
        os.link(source / name, target / name)


SHARED_FROM_ROWS = 20_000
"""Accounts and invoices to write at which a second process pays for its start (about a second:
importing the writers, receiving the rows)."""


@dataclass(frozen=True)
class _Files:
    """One collector's files to write: where, and everything they are made of."""

    folder: Path
    names: tuple[str, ...]
    collector: str
    accounts: list[dict]
    as_of: dt.date
    page_items: int

    @property
    def rows(self) -> int:
        return sum(1 + len(account["items"]) for account in self.accounts)


def _write(files: _Files) -> None:
    accounts = files.accounts
    accounts_csv, invoices_csv, xlsx, page = (files.folder / name for name in files.names)
    write_csv(accounts_csv, ACCOUNT_COLUMNS, [account_row(a) for a in accounts])
    write_csv(invoices_csv, ITEM_COLUMNS, [row for account in accounts for row in item_rows(account)])
    write_xlsx(xlsx, accounts)
    page.write_text(render_html(files.collector, accounts, files.as_of, files.page_items), encoding="utf-8")


def _write_all(jobs: list[_Files], workers: int) -> None:
    """Each collector's files, longest lists first across `workers` processes when there is
    enough to share, else here."""
    if workers <= 1 or len(jobs) < 2 or sum(job.rows for job in jobs) < SHARED_FROM_ROWS:
        for job in jobs:
            _write(job)
        return
    # `spawn`: the caller is a threaded process (Dagster) that is unsafe to fork.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        for _ in pool.map(_write, sorted(jobs, key=lambda job: -job.rows)):
            pass  # a worker's error is raised here, with its traceback


def export_worklists(
    lists: dict[str, list[dict]], exports_dir: Path, as_of: dt.date, page_items: int, record: Path,
    workers: int = 1,
) -> ExportedWorklists:
    """Write every collector's CSVs, XLSX and HTML (link them from the day's folder when their
    list is the one the last export wrote, as `record` says; in `workers` processes when the lists
    to write are long), then swap the day's folder in whole and record what it holds."""
    root = exports_dir / "worklists"
    folder = root / as_of.isoformat()
    staging = root / f".{as_of.isoformat()}.writing"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    stems = file_stems(lists)
    digests = list_digests(lists, stems, as_of, page_items)
    before = _unchanged(record, folder, stems)
    kept, jobs = [], []
    for collector, accounts in lists.items():
        names = file_names(stems[collector])
        if before.get(collector) == digests[collector]:
            _linked(names, folder, staging)
            kept.append(collector)
        else:
            jobs.append(_Files(staging, names, collector, accounts, as_of, page_items))
    _write_all(jobs, workers)
    previous = root / f".{as_of.isoformat()}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)
    write_record(record, {"folder": str(folder), "collectors": {
        collector: {"digest": digest, "files": _stamps(folder, file_names(stems[collector]))}
        for collector, digest in digests.items()
    }})
    return ExportedWorklists(folder, stems, sum(len(accounts) for accounts in lists.values()), tuple(kept))
