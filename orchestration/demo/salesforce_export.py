"""Salesforce report-export CSVs, one per office per week, with the mess real exports carry.

Overlapping weekly exports, invoice numbers spelled differently from one export to the next,
currency-decorated amounts, mixed date styles, the odd duplicate row, a few rows the pipeline
must quarantine, and the footer Salesforce appends. Columns come out in bulk (numpy object
arrays) and are written with `csv.writer`, because a 1M-invoice demo means ~3M rows.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.demo import names
from orchestration.demo.formats import (
    CURRENCY_SYMBOLS,
    DayTable,
    local_date,
    local_time,
    money,
    spell_numbers,
)
from orchestration.demo.model import HOME_CURRENCY, World
from orchestration.demo.records import FileCount, Rejected
from orchestration.policy import Policy
from orchestration.policy.sources import SALESFORCE_FIELDS

SOURCE = "salesforce"
FIELDS = (
    "invoice_number",
    "account_name",
    "account_id",
    "office",
    "project",
    "project_director",
    "director_email",
    "collector",
    "invoice_date",
    "due_date",
    "currency",
    "amount",
    "balance",
    "stage",
    "last_modified_at",
)
DEFAULT_LABELS = (
    "Invoice Number",
    "Account Name",
    "Account ID",
    "Office",
    "Project",
    "Project Director",
    "Director Email",
    "Collector",
    "Invoice Date",
    "Due Date",
    "Currency",
    "Amount",
    "Balance",
    "Stage",
    "Last Modified Date",
)
# The demo's reports carry no document address (most orgs' invoice reports have none): the
# optional `document_url` column stays out, as in the exports that keep working without it.
assert set(FIELDS) == set(SALESFORCE_FIELDS) - {"document_url"}

SPELLINGS = ("INV-{:08d}", "inv {}", "#{}", "{:010d}", "{}")
SPELLING_WEIGHTS = (0.35, 0.1, 0.1, 0.15, 0.3)
ISO_DATE_SHARE = 0.12
AMOUNT_STYLE_WEIGHTS = (0.55, 0.2, 0.25)
"""Symbol (`$1,234.56`), ISO code (`USD 1,234.56`), plain (`1234.56`)."""
DUPLICATE_EVERY = 2500
BAD_FIELDS = ("amount", "due_date", "invoice_number", "office")
UNKNOWN_OFFICES = ("Chicago", "Paris", "Singapore", "Toronto", "Remote")
IMPOSSIBLE_DAYS = ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31))
CHUNK = 100_000


@dataclass(frozen=True)
class SalesforceResult:
    files: list[Path]
    counts: list[FileCount]
    rejected: list[Rejected]
    newest_spelling: np.ndarray
    """Per invoice: its number as written in its newest record (the newest export's row)."""


def file_name(office: str, day: dt.date) -> str:
    return f"{office}_AR_Report_{day.isoformat()}.csv"


def write_exports(
    world: World,
    policy: Policy,
    folder: Path,
    rng: np.random.Generator,
    advance: Callable[[int], object],
) -> SalesforceResult:
    """Every export of every office, with the column labels the policy maps fields to."""
    source = policy.sources.salesforce
    labels = [source.columns.get(f, d) for f, d in zip(FIELDS, DEFAULT_LABELS, strict=True)]
    table = DayTable(
        world.as_of,
        int(world.invoice_day.min()),
        int(world.due_day.max()),
        source.locale.date_order,
    )
    renderer = _Renderer(world, policy, table)
    sizes = np.array([len(e.members) for e in world.exports])
    # ~0.1% bad rows, at least one of each kind, each in a file picked by size.
    bad_files = rng.choice(len(sizes), max(4, int(sizes.sum()) // 1000), p=sizes / sizes.sum())
    newest_day = max(e.day for e in world.exports)
    oldest_day = min(e.day for e in world.exports)
    folder.mkdir(parents=True, exist_ok=True)
    files, counts, rejected = [], [], []
    newest_spelling = np.empty(len(world.number), dtype=object)
    for index, export in enumerate(world.exports):
        code = world.offices[export.office]
        path = folder / file_name(code, world.as_of + dt.timedelta(days=export.day))
        bad = [BAD_FIELDS[i % len(BAD_FIELDS)] for i in np.flatnonzero(bad_files == index)]
        columns, bad_rows, spelled = renderer.rows(export, bad, rng)
        # One user abroad exported the oldest report in the legacy Windows encoding.
        legacy = export.day == oldest_day and HOME_CURRENCY.get(code, "USD") != "USD"
        encoding = source.locale.fallback_encoding if legacy else "utf-8"
        _write(
            path,
            encoding,
            labels,
            columns,
            _footer(world, policy, export),
            len(export.members),
            advance,
        )
        files.append(path)
        counts.append(FileCount(SOURCE, path.name, len(columns[0]), len(bad_rows)))
        rejected += [Rejected(SOURCE, path.name, row + 2, field) for row, field in bad_rows]
        if export.day == newest_day:
            newest_spelling[export.members] = spelled
    return SalesforceResult(files, counts, rejected, newest_spelling)


class _Renderer:
    """Turns an export's invoices into report cells; holds what every export shares."""

    def __init__(self, world: World, policy: Policy, table: DayTable):
        self.world, self.table = world, table
        self.locale = policy.sources.salesforce.locale
        self.grouped = money(world.amount, self.locale)
        self.zero = money(np.zeros(1, np.int64), self.locale)[0]
        self.offices = [
            np.array(list(dict.fromkeys([o.name, *o.aliases])), dtype=object)
            for o in policy.offices
        ]
        known = {spelling for spelling, _ in policy.office_spellings}
        self.unknown_offices = [o for o in UNKNOWN_OFFICES if o.casefold() not in known]
        self.prefixes = np.array(
            [[CURRENCY_SYMBOLS.get(c, c + " "), c + " ", ""] for c in world.currencies],
            dtype=object,
        )
        self.stages = np.array(world.stages, dtype=object)
        self.name_rank = np.argsort(np.argsort(world.account_name, kind="stable"), kind="stable")

    def rows(self, export, bad: list[str], rng: np.random.Generator):
        """Columns in file order (object arrays), the (row index, field) of each bad row, and
        each member invoice's number as spelled in this export."""
        w, members = self.world, export.members
        n = len(members)
        account, project = w.account[members], w.project[members]
        style = rng.choice(len(AMOUNT_STYLE_WEIGHTS), n, p=AMOUNT_STYLE_WEIGHTS)
        iso = rng.random(n) < ISO_DATE_SHARE
        spelled = np.array(
            spell_numbers(
                w.number[members], rng.choice(len(SPELLINGS), n, p=SPELLING_WEIGHTS), SPELLINGS
            ),
            dtype=object,
        )
        office_names = self.offices[export.office]
        columns = [
            spelled,
            w.account_name[account],
            w.account_id[account],
            office_names[rng.integers(0, len(office_names), n)],
            w.project_name[project],
            w.person_name[w.project_director[project]],
            w.person_email[w.project_director[project]],
            w.person_name[w.account_collector[account]],
            self.table.dates(w.invoice_day[members], iso),
            self.table.dates(w.due_day[members], iso),
            np.array(w.currencies, dtype=object)[w.currency[members]],
            *self._money(export, style),
            self.stages[export.stage],
            self.table.timestamps(export.modified),
        ]
        order, bad_rows = self._layout(export, bad, rng)
        columns = [c[order] for c in columns]
        for row, field in bad_rows:
            self._spoil(columns, row, field, rng)
        return columns, bad_rows, spelled

    def _money(self, export, style):
        """Amount and balance cells, both in the row's style (`$`, `USD ` or plain)."""
        members = export.members
        amount, balance = self.world.amount[members], export.balance
        amount_text = self.grouped[members]
        balance_text = amount_text.copy()
        balance_text[balance == 0] = self.zero
        partial = (balance != 0) & (balance != amount)
        balance_text[partial] = money(balance[partial], self.locale)
        plain = style == 2
        if self.locale.thousands_separator and plain.any():
            sep = self.locale.thousands_separator
            amount_text[plain] = [t.replace(sep, "") for t in amount_text[plain]]
            balance_text[plain] = [t.replace(sep, "") for t in balance_text[plain]]
        prefix = self.prefixes[self.world.currency[members], style]
        return prefix + amount_text, prefix + balance_text

    def _layout(self, export, bad: list[str], rng):
        """Row order: the report's sort (account, invoice date, number), plus exact duplicates
        right after their original and bad copies of good rows at random places."""
        w, members = self.world, export.members
        n = len(members)
        base = np.lexsort(
            (w.number[members], w.invoice_day[members], self.name_rank[w.account[members]])
        )
        n_dup = n // DUPLICATE_EVERY + int(rng.random() < 0.5)
        dup_at = rng.integers(0, n, n_dup)
        bad_at = rng.integers(0, n, len(bad))
        sources = np.concatenate([base, base[dup_at], rng.integers(0, n, len(bad))])
        keys = np.concatenate([2 * np.arange(n), 2 * dup_at + 1, 2 * bad_at + 1])
        kinds = np.concatenate([np.zeros(n + n_dup, int), 1 + np.arange(len(bad))])
        final = np.argsort(keys, kind="stable")
        kinds = kinds[final]
        bad_rows = [(int(row), bad[kinds[row] - 1]) for row in np.flatnonzero(kinds)]
        return sources[final], bad_rows

    def _spoil(self, columns, row: int, field: str, rng):
        """Make one cell unreadable the way real exports do."""
        column = FIELDS.index(field)
        if field == "amount":
            text = columns[column][row]
            at = text.rindex(self.locale.decimal_separator) - 1
            columns[column][row] = text[:at] + "O" + text[at + 1 :]
        elif field == "due_date":
            month, day = IMPOSSIBLE_DAYS[rng.integers(len(IMPOSSIBLE_DAYS))]
            year = self.world.as_of.year - int(rng.integers(0, 2))
            columns[column][row] = local_date(year, month, day, self.locale.date_order)
        elif field == "invoice_number":
            columns[column][row] = ""
        else:
            columns[column][row] = self.unknown_offices[rng.integers(len(self.unknown_offices))]


def _footer(world: World, policy: Policy, export) -> list[str]:
    """The lines Salesforce appends after the data, in its order."""
    order = policy.sources.salesforce.locale.date_order
    day = world.as_of + dt.timedelta(days=export.day)
    user = world.person_name[world.collectors[export.office][0]]
    date = local_date(day.year, day.month, day.day, order)
    stamp = f"{date} {local_time(export.generated_minute, order)}"
    return [
        f"{world.offices[export.office]} AR Report",
        f"Copyright (c) 2000-{day.year} salesforce.com, inc. All rights reserved.",
        "Confidential Information - Do Not Distribute",
        f"Generated By:  {user}  {stamp}",
        names.COMPANY,
    ]


def _write(path: Path, encoding: str, labels, columns, footer, members: int, advance) -> None:
    """All fields double-quoted and CRLF line ends, as Salesforce writes them."""
    total = len(columns[0])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(labels)
        for start in range(0, total, CHUNK):
            end = min(start + CHUNK, total)
            writer.writerows(zip(*(c[start:end].tolist() for c in columns), strict=True))
            advance(end * members // total - start * members // total)
        writer.writerow([])
        writer.writerows([line] for line in footer)
