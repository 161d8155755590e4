"""A collector's worklist as files people open anywhere: CSV (accounts, and their invoices) and an
XLSX with a sheet of each. Headers and cells are words a collector reads (no column codes, no
reason codes); invoice numbers are the office's display form, with the source's spelling beside
it only where it differs (what to type into the source system's search).

Plain Python over dicts (the rows `worklists.read_worklists` makes), unit-tested without Dagster.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import xlsxwriter

ACCOUNT_COLUMNS = (
    ("Rank", "rank"),
    ("Account", "account_name"),
    ("Account ID", "account_id"),
    ("Contact", "contact_name"),
    ("Phone", "contact_phone"),
    ("Email", "contact_email"),
    ("Open balance", "open_balances"),
    ("Currency", "currency"),
    ("Balance", "balance"),
    ("Open invoices", "open_invoices"),
    ("Invoices", "invoice_numbers"),
    ("Oldest invoice, days past due", "days_past_due"),
    ("Next action", "next_action"),
    ("Due by", "due_by"),
    ("Notes", "notes"),
    ("Why it ranks here (points)", "why"),
    ("Score", "priority_score"),
)
"""(header, field) of the accounts sheet: one row per account, in rank order. `Currency` and
`Balance` are filled when the account owes in one currency; `Open balance` always says it all."""

ITEM_COLUMNS = (
    ("Account rank", "account_rank"),
    ("Account", "account_name"),
    ("Invoice", "display_number"),
    ("Spelled in the source", "source_spelling"),
    ("Currency", "currency"),
    ("Balance", "balance"),
    ("Due date", "due_date"),
    ("Days past due", "days_past_due"),
    ("Next action", "next_action"),
    ("Due by", "due_by"),
    ("Promise", "promise_text"),
    ("Dispute", "dispute_text"),
    ("Payment plan", "plan_text"),
    ("Director", "director_text"),
    ("Queued payment", "payment_text"),
)
"""(header, field) of the invoices sheet: each account's invoices and queued payments under it."""

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def driver_list(drivers: str | None) -> list[dict]:
    """An account's drivers ({driver, label, points}) from the mart's JSON, largest first."""
    parts = json.loads(drivers or "[]", parse_float=Decimal)
    return sorted(parts, key=lambda d: -Decimal(str(d.get("points") or 0)))


def describe_drivers(drivers: str | None) -> str:
    """`3 invoices 61–90 days, USD 28,974.39 (+25.00); no contact for 21 days (+10.50)`."""
    return "; ".join(f"{d['label']} (+{d['points']})" for d in driver_list(drivers)) or "nothing scores"


def source_spelling(item: dict) -> str | None:
    """The source's spelling of an invoice number, only where it differs from the display form."""
    spelled, shown = item.get("invoice_number"), item.get("display_number")
    return spelled if spelled and spelled != shown else None


def account_row(account: dict) -> dict:
    """The account's cells: its fields, the invoices it holds and the drivers in words."""
    numbers = [i["display_number"] for i in account["items"] if i.get("display_number")]
    return {**account, "invoice_numbers": ", ".join(numbers), "why": describe_drivers(account["drivers"])}


def item_rows(account: dict) -> list[dict]:
    """The cells of each invoice (or queued payment) under the account."""
    return [
        {**item, "account_rank": account["rank"], "account_name": account["account_name"],
         "source_spelling": source_spelling(item)}
        for item in account["items"]
    ]


def _text(value) -> str:
    return "" if value is None else str(value)


_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9 ().,-]+$")
"""A phone number or amount (`+1 (212) 555-0101`): no letters, so nothing a spreadsheet could run."""


def csv_cell(value) -> str:
    """Text a spreadsheet shows as text: a director's note like `=HYPERLINK(...)` must not run.
    A contact's phone number stays as it is written."""
    text = _text(value)
    formula_like = text.startswith(("=", "+", "-", "@", "\t", "\r")) and not _PLAIN_NUMBER.match(text)
    if isinstance(value, str) and formula_like:
        return "'" + text
    return text


def write_csv(path: Path, columns: tuple[tuple[str, str], ...], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header for header, _ in columns)
        writer.writerows([csv_cell(row.get(field)) for _, field in columns] for row in rows)


def write_xlsx(path: Path, accounts: list[dict]) -> None:
    """Two sheets, Accounts and Invoices; money and scores as numbers, dates as dates."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        formats = {
            "bold": book.add_format({"bold": True}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "day": book.add_format({"num_format": "yyyy-mm-dd"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        _sheet(book, "Accounts", ACCOUNT_COLUMNS, [account_row(a) for a in accounts], formats)
        _sheet(book, "Invoices", ITEM_COLUMNS, [row for a in accounts for row in item_rows(a)], formats)


def _sheet(book, name: str, columns, rows: list[dict], formats: dict) -> None:
    sheet = book.add_worksheet(_SHEET_UNSAFE.sub("_", name)[:31])
    sheet.write_row(0, 0, [header for header, _ in columns], formats["bold"])
    for r, row in enumerate(rows, start=1):
        for c, (_, field) in enumerate(columns):
            _cell(sheet, r, c, row.get(field), formats)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _cell(sheet, r: int, c: int, value, formats: dict) -> None:
    if value is None:
        sheet.write_blank(r, c, None)
    elif isinstance(value, Decimal):
        sheet.write_number(r, c, value, formats["money"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), formats["day"])
    elif isinstance(value, int):
        sheet.write_number(r, c, value)
    else:
        sheet.write_string(r, c, str(value))
