"""Daily worklist exports: each collector's ranked list from `marts.collector_worklist` as CSV,
XLSX and a phone-readable HTML page in `exports/worklists/<date>/`.

Collectors work from files they can open anywhere (a spreadsheet, a page on the phone), so the
day's folder is replaced whole: it never mixes two runs or keeps a collector who left the list.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import jinja2
import xlsxwriter

from orchestration.resources import LedgerloopResource
from orchestration.warehouse import connect

WORKLIST = dg.AssetKey(["marts", "collector_worklist"])

COLUMNS = (
    "rank", "priority_score", "reason", "next_action", "due_by", "invoice_key", "invoice_number",
    "payment_id", "account_id", "account_name", "currency", "balance", "due_date", "days_past_due",
    "aging_bucket", "stage", "director_answer", "promised_on", "exception_reason",
    "days_since_touch", "drivers",
)
"""Exported columns, in order; `drivers` is the score's JSON list of {driver, value, points}.
A queued payment has a `payment_id` and no invoice; its balance is the cash still to place
(a remainder's, not the whole payment's)."""

WORKLIST_QUERY = """
select collector, rank, priority_score, reason, next_action, due_by, invoice_key, invoice_number,
    payment_id, account_id, account_name, currency, balance, due_date, days_past_due, aging_bucket,
    stage, director_answer, promised_on, exception_reason, days_since_touch, drivers
from marts.collector_worklist
order by collector, rank
"""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>Worklist {{ collector }} {{ as_of }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 0.75rem; }
ol { list-style: none; padding: 0; }
li { border: 1px solid #ccc; border-radius: 0.5rem; margin-bottom: 0.75rem; padding: 0.75rem; }
.top { display: flex; justify-content: space-between; gap: 0.5rem; font-weight: 600; }
.action { margin: 0.4rem 0; }
.meta, .drivers { color: #444; font-size: 0.9rem; margin: 0.2rem 0; }
</style>
</head>
<body>
<h1>{{ collector }}: {{ total }} item{{ '' if total == 1 else 's' }} to work</h1>
<p class="meta">Worklist for {{ as_of }}, highest priority first
{%- if total > items | length %}; the first {{ items | length }} here,
all of them in the spreadsheet{% endif %}.</p>
<ol>
{%- for item in items %}
<li>
  <div class="top"><span>#{{ item.rank }} {{ item.account_name or item.account_id or '' }}</span>
    <span>{{ item.currency or '' }} {{ item.balance }}</span></div>
  <p class="action">{{ item.next_action }} <strong>by {{ item.due_by }}</strong></p>
  {%- if item.payment_id %}
  <p class="meta">Payment {{ item.payment_id }} has waited {{ item.days_since_touch }} days in the
    exception queue ({{ item.exception_reason }}).</p>
  {%- else %}
  <p class="meta">Invoice {{ item.invoice_number or item.invoice_key }}, due {{ item.due_date or 'unknown' }}
    ({{ item.days_past_due }} days past due, {{ item.aging_bucket or 'no bucket' }});
    stage {{ item.stage or 'none' }}; last touched {{ item.days_since_touch }} days ago.
    {%- if item.director_answer %} Director: {{ item.director_answer }}
    {%- if item.promised_on %} (expects payment on {{ item.promised_on }}){% endif %}.{% endif %}</p>
  {%- endif %}
  <p class="drivers">Score {{ item.priority_score }}: {{ item.drivers_text }}</p>
</li>
{%- endfor %}
</ol>
</body>
</html>
"""

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class ExportedWorklists:
    """What one export wrote: the day's folder and the collectors and rows in it."""

    folder: Path
    files_by_collector: dict[str, str]
    rows: int


def read_worklists(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Each collector's worklist rows in rank order."""
    cursor = con.execute(WORKLIST_QUERY)
    names = [d[0] for d in cursor.description]
    lists: dict[str, list[dict]] = {}
    for values in cursor.fetchall():
        item = dict(zip(names, values, strict=True))
        lists.setdefault(item.pop("collector"), []).append(item)
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


def describe_drivers(drivers: str | None) -> str:
    """`days_past_due 45: +11.25; aging_bucket 31-60: +15.00` from the drivers JSON."""
    parts = json.loads(drivers or "[]", parse_float=Decimal)
    return "; ".join(f"{d['driver']} {d['value']}: +{d['points']}" for d in parts) or "no drivers"


def _text(value) -> str:
    return "" if value is None else str(value)


def _csv_cell(value) -> str:
    """Text a spreadsheet shows as text: a director's note like `=HYPERLINK(...)` must not run."""
    text = _text(value)
    if isinstance(value, str) and text.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + text
    return text


def write_csv(path: Path, items: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([_csv_cell(item[c]) for c in COLUMNS] for item in items)


def write_xlsx(path: Path, collector: str, items: list[dict]) -> None:
    """One sheet; balances and scores as numbers with two decimals, dates as dates."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        sheet = book.add_worksheet(_UNSAFE.sub("_", collector)[:31] or "worklist")
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, COLUMNS, bold)
        for r, item in enumerate(items, start=1):
            for c, name in enumerate(COLUMNS):
                value = item[name]
                if value is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(value, Decimal):
                    sheet.write_number(r, c, value, money)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(items), len(COLUMNS) - 1)


def render_html(collector: str, items: list[dict], as_of: dt.date, page_items: int) -> str:
    """The collector's first `page_items` items as a self-contained page (no JavaScript),
    escaped throughout: a phone cannot page through thousands of rows."""
    shown = [{**item, "drivers_text": describe_drivers(item["drivers"])} for item in items[:page_items]]
    return _ENVIRONMENT.from_string(_PAGE).render(
        collector=collector, items=shown, total=len(items), as_of=as_of)


def export_worklists(
    lists: dict[str, list[dict]], exports_dir: Path, as_of: dt.date, page_items: int
) -> ExportedWorklists:
    """Write every collector's CSV, XLSX and HTML, then swap the day's folder in whole."""
    root = exports_dir / "worklists"
    folder = root / as_of.isoformat()
    staging = root / f".{as_of.isoformat()}.writing"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    stems = file_stems(lists)
    for collector, items in lists.items():
        stem = stems[collector]
        write_csv(staging / f"{stem}.csv", items)
        write_xlsx(staging / f"{stem}.xlsx", collector, items)
        page = render_html(collector, items, as_of, page_items)
        (staging / f"{stem}.html").write_text(page, encoding="utf-8")
    previous = root / f".{as_of.isoformat()}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)
    return ExportedWorklists(folder, stems, sum(len(items) for items in lists.values()))


@dg.asset(key=["exports", "worklists"], deps=[WORKLIST], group_name="outreach", kinds={"csv", "html"})
def worklists(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Each collector's ranked worklist as CSV, XLSX and a phone page in exports/worklists/<date>/."""
    policy = ledgerloop.policy()
    with connect(ledgerloop.settings.warehouse_path, read_only=True) as con:
        lists = read_worklists(con)
    exported = export_worklists(lists, ledgerloop.settings.exports_dir, ledgerloop.as_of_date(policy),
                                policy.worklist.page_items)
    return dg.MaterializeResult(metadata={
        "collectors": len(lists),
        "rows": exported.rows,
        "folder": str(exported.folder),
        "files": ", ".join(f"{stem}.csv/.xlsx/.html" for stem in exported.files_by_collector.values())
        or "none",
    })


defs = dg.Definitions(assets=[worklists])
