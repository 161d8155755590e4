"""The legacy collections tracker (`landing/tracker/legacy_tracker.xlsx`, sheet `Tracker`).

The spreadsheet the team kept by hand before Salesforce and still updates: it follows the
troubled invoices, spells numbers and stages its own way, has a second row for some invoices
(the newer one wins), and still holds a few legacy invoices Salesforce never had.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xlsxwriter

from orchestration.demo import names
from orchestration.demo.model import World, stage_for, tracker_rows
from orchestration.demo.records import FileCount
from orchestration.policy import Policy

SOURCE = "tracker"
FILE_NAME = "legacy_tracker.xlsx"
FIELDS = (
    "office",
    "invoice_number",
    "account_name",
    "amount",
    "due_date",
    "stage",
    "notes",
    "updated_at",
    "updated_by",
)
DEFAULT_LABELS = (
    "Office",
    "Invoice #",
    "Client",
    "Amount",
    "Due Date",
    "Collections Stage",
    "Notes",
    "Last Updated",
    "Updated By",
)
NUMBER_SPELLINGS = ("INV-{}", "Inv. {}", "{:08d}", "# {}")
NUMBER_CELL_SHARE = 0.25
"""Rows where someone typed the bare number and Excel stored it as a number (123456.0)."""
REPEAT_SHARE = 0.04
ALL_SUFFIXES = sorted(
    {*names.US_SUFFIXES, *names.UK_SUFFIXES, *names.DE_SUFFIXES}, key=lambda s: (-len(s), s)
)


@dataclass(frozen=True)
class TrackerResult:
    path: Path
    count: FileCount
    stage: np.ndarray
    """Per Salesforce invoice: stage index of its newest tracker row, or -1 if not tracked."""
    legacy_spelling: list[str]


def write_tracker(
    world: World, policy: Policy, folder: Path, rng: np.random.Generator
) -> TrackerResult:
    """The workbook, and per invoice the stage of its newest row (which the ledger keeps)."""
    n_sf, n_legacy = len(world.number), len(world.legacy_number)
    total = tracker_rows(n_sf + n_legacy)
    n_repeat = max(1, (total - n_legacy) // int(1 / REPEAT_SHARE))
    n_cover = max(1, total - n_legacy - n_repeat)
    past_due = -world.due_day
    weight = np.where(world.balance > 0, np.where(past_due > 0, 10.0, 3.0), 1.0)
    covered = np.sort(np.argpartition(-(rng.random(n_sf) ** (1 / weight)), n_cover - 1)[:n_cover])
    invoice = np.concatenate([covered, rng.choice(covered, n_repeat, replace=False)])

    updated = _minutes(rng, np.maximum(world.invoice_day[invoice], -120), -1)
    stage = np.where(
        (world.balance[invoice] == 0) & (rng.random(len(invoice)) < 0.7),
        world.paid_stage,
        stage_for(world.open_stages, past_due[invoice], rng),
    )
    repeat = np.arange(n_cover, len(invoice))
    first = np.searchsorted(covered, invoice[repeat])
    updated[repeat] += updated[repeat] == updated[first]
    newest = np.full(n_sf, -1)
    newest[covered] = stage[:n_cover]
    later = repeat[updated[repeat] > updated[first]]
    newest[invoice[later]] = stage[later]

    rows = _sf_rows(world, policy, invoice, stage, updated, rng)
    legacy_rows, legacy_spelling = _legacy_rows(world, policy, rng)
    rows += legacy_rows
    rows = [rows[i] for i in rng.permutation(len(rows))]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    _write(path, policy, world.as_of, rows)
    return TrackerResult(path, FileCount(SOURCE, FILE_NAME, len(rows), 0), newest, legacy_spelling)


def _minutes(rng, first_day: np.ndarray, last_day: int) -> np.ndarray:
    """Any time of a working day between the two days, as minutes since as_of midnight."""
    day = first_day + (rng.random(len(first_day)) * (last_day - first_day + 1)).astype(np.int64)
    return day * 1440 + rng.integers(7 * 60, 21 * 60, len(first_day))


def _sf_rows(world: World, policy: Policy, invoice, stage, updated, rng) -> list[tuple]:
    offices = [[o.code, o.name, *o.aliases] for o in policy.offices]
    n = len(invoice)
    numeric = rng.random(n) < NUMBER_CELL_SHARE
    spelling = rng.integers(0, len(NUMBER_SPELLINGS), n)
    rows = []
    for i, inv in enumerate(invoice.tolist()):
        office = int(world.office[inv])
        number = int(world.number[inv])
        account = int(world.account[inv])
        rows.append(
            (
                offices[office][rng.integers(len(offices[office]))],
                float(number) if numeric[i] else NUMBER_SPELLINGS[spelling[i]].format(number),
                _client(world.account_name[account], rng),
                int(world.amount[inv]),
                int(world.due_day[inv]),
                _stage_spelling(world.stages[stage[i]], rng),
                _note(rng),
                int(updated[i]),
                _updated_by(world, office, rng),
            )
        )
    return rows


def _legacy_rows(world: World, policy: Policy, rng) -> tuple[list[tuple], list[str]]:
    offices = [[o.code, o.name, *o.aliases] for o in policy.offices]
    n = len(world.legacy_number)
    updated = _minutes(rng, np.full(n, -300), -1)
    rows, spelled = [], []
    for i in range(n):
        office = int(world.legacy_office[i])
        text = NUMBER_SPELLINGS[rng.integers(len(NUMBER_SPELLINGS))].format(
            int(world.legacy_number[i])
        )
        spelled.append(text)
        rows.append(
            (
                offices[office][rng.integers(len(offices[office]))],
                text,
                world.account_name[world.legacy_account[i]],
                int(world.legacy_amount[i]),
                int(world.legacy_due_day[i]),
                _stage_spelling(world.stages[world.legacy_stage[i]], rng),
                _note(rng),
                int(updated[i]),
                _updated_by(world, office, rng),
            )
        )
    return rows, spelled


def _client(name: str, rng) -> str:
    """How a person types a client: the full name, without the legal suffix, or in capitals."""
    roll = rng.random()
    if roll < 0.6:
        return name
    if roll < 0.85:
        for suffix in ALL_SUFFIXES:
            if name.endswith(" " + suffix):
                return name[: -len(suffix) - 1].rstrip(",")
        return name
    return name.upper()


def _stage_spelling(stage: str, rng) -> str:
    """`Follow Up` as people type it: `follow up`, `Follow-Up`, `FOLLOW UP`, `follow-up ` ..."""
    return (
        stage,
        stage.lower(),
        stage.upper(),
        stage.title().replace(" ", "-"),
        stage.lower().replace(" ", "-") + " ",
        stage.capitalize(),
    )[rng.integers(6)]


def _note(rng) -> str:
    roll = rng.random()
    if roll < 0.2:
        return ""
    notes = names.words().notes
    first = notes[rng.integers(len(notes))]
    if roll < 0.25:
        return first + "\n" + notes[rng.integers(len(notes))]
    return first


def _updated_by(world: World, office: int, rng) -> str:
    person = world.person_name[
        world.collectors[office][rng.integers(len(world.collectors[office]))]
    ]
    if rng.random() < 0.3:
        return "".join(part[0] for part in person.split())
    return person


def _write(path: Path, policy: Policy, as_of: dt.date, rows: list[tuple]) -> None:
    """Typed cells as a person's workbook has them: numbers, dates, date-times and text."""
    columns = policy.sources.tracker.columns
    labels = [columns.get(f, d) for f, d in zip(FIELDS, DEFAULT_LABELS, strict=True)]
    midnight = dt.datetime.combine(as_of, dt.time())
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    workbook.set_properties({"author": names.COMPANY, "created": midnight})
    sheet = workbook.add_worksheet(policy.sources.tracker.sheet or "Tracker")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    date = workbook.add_format({"num_format": "m/d/yyyy"})
    stamp = workbook.add_format({"num_format": "m/d/yyyy h:mm AM/PM"})
    wrap = workbook.add_format({"text_wrap": True})
    for col, width in enumerate((10, 14, 34, 12, 11, 16, 44, 18, 16)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(labels) - 1)
    sheet.write_row(0, 0, labels, bold)
    for r, (office, number, client, cents, due_day, stage, note, minute, by) in enumerate(rows, 1):
        sheet.write_string(r, 0, office)
        if isinstance(number, float):
            sheet.write_number(r, 1, number)
        else:
            sheet.write_string(r, 1, number)
        sheet.write_string(r, 2, client)
        sheet.write_number(r, 3, cents / 100, money)
        sheet.write_datetime(r, 4, as_of + dt.timedelta(days=due_day), date)
        sheet.write_string(r, 5, stage)
        if note:
            sheet.write_string(r, 6, note, wrap)
        sheet.write_datetime(r, 7, midnight + dt.timedelta(minutes=minute), stamp)
        sheet.write_string(r, 8, by)
    workbook.close()
