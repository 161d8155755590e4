"""Bank CSV exports, one layout per bank (`sources.payments.bank_csv` in ledgerloop.yaml)."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import fnmatch
import io
import re

from orchestration.ingest.landing import FileRejected, LandingFile
from orchestration.ingest.payments.records import ParsedFile, Rejected, Transaction
from orchestration.ingest.payments.text import read_text
from orchestration.policy.payments import BankCsvLayout

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def layout_for(file_name: str, layouts: list[BankCsvLayout]) -> BankCsvLayout:
    """The first layout whose `file_pattern` matches the file name."""
    for layout in layouts:
        if fnmatch.fnmatch(file_name.lower(), layout.file_pattern.lower()):
            return layout
    patterns = [f"{layout.name}: {layout.file_pattern}" for layout in layouts]
    raise FileRejected(
        f"{file_name}: no bank CSV layout in sources.payments.bank_csv matches this file name "
        f"({'; '.join(patterns)})"
    )


class AmountParser:
    """Bank amounts in the layout's locale: `1,234.56`, `-12.00`, `(12.00)`, `12.00-`."""

    def __init__(self, decimal: str, thousands: str):
        dec, sep = re.escape(decimal), re.escape(thousands)
        grouped = rf"\d{{1,3}}(?:{sep}\d{{3}})+" if thousands else r"(?!)"
        self._pattern = re.compile(rf"^(?:{grouped}|\d+)(?:{dec}\d{{1,2}})?$")
        self._decimal, self._thousands = decimal, thousands
        self._plain = re.compile(rf"^(-?)(\d{{1,15}}){dec}(\d\d)$")

    def cents(self, text: str) -> int | None:
        """Signed minor units, or None when the text is not an amount."""
        plain = self._plain.match(text)
        if plain:
            cents = int(plain[2]) * 100 + int(plain[3])
            return -cents if plain[1] else cents
        value = text.strip().replace(" ", "") if self._thousands != " " else text.strip()
        negative = False
        if value.startswith("(") and value.endswith(")"):
            value, negative = value[1:-1], True
        if value[:1] in "+-" and value:
            negative, value = value[0] == "-", value[1:]
        elif value.endswith("-"):
            value, negative = value[:-1], True
        if not self._pattern.match(value):
            return None
        if self._thousands:
            value = value.replace(self._thousands, "")
        whole, _, part = value.partition(self._decimal)
        cents = int(whole) * 100 + int((part + "00")[:2])
        return -cents if negative else cents


class _Dates:
    """`strptime` once per distinct spelling: statements repeat a few dates many times."""

    def __init__(self, date_format: str):
        self._format, self._cache = date_format, {}

    def parse(self, text: str) -> dt.date | None:
        try:
            return self._cache[text]
        except KeyError:
            try:
                value = dt.datetime.strptime(text.strip(), self._format).date()
            except ValueError:
                value = None
            self._cache[text] = value
            return value


def parse_bank_csv(file: LandingFile, layouts: list[BankCsvLayout]) -> ParsedFile:
    """Every data row as a transaction (credits are receipts, debits are not) or a rejected row."""
    layout = layout_for(file.name, layouts)
    text, encoding = read_text(file, layout.fallback_encoding)
    parsed = ParsedFile("bank_csv", encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter)
    header = None
    for row in reader:
        if reader.line_num >= layout.header_row and any(cell.strip() for cell in row):
            header = [cell.strip() for cell in row]
            break
    if header is None:
        raise FileRejected(f"{file.name}: no header row at or after line {layout.header_row}")
    _Rows(layout, header, parsed).read(reader)
    return parsed


class _Rows:
    """The data rows of one file, read with its layout."""

    def __init__(self, layout: BankCsvLayout, header: list[str], parsed: ParsedFile):
        self.layout, self.header, self.parsed = layout, header, parsed
        folded = {label.casefold(): i for i, label in enumerate(header)}
        self.index = {f: folded.get(label.casefold()) for f, label in layout.columns.items()}
        # Every mapped column must be there: a lost Bank Transaction ID column would quietly
        # change payment identity, a lost Payer column would quietly weaken matching.
        self.missing = [(f, layout.columns[f]) for f, i in self.index.items() if i is None]
        self.amounts = AmountParser(layout.decimal_separator, layout.thousands_separator)
        self.dates = _Dates(layout.date_format)
        self.account = layout.account or layout.name

    def _missing_reason(self) -> tuple[str, str]:
        field, label = self.missing[0]
        close = difflib.get_close_matches(label, self.header, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return field, (f"column {label!r} (layout {self.layout.name!r}) is missing from the "
                       f"header {self.header}{hint}")

    def read(self, reader) -> None:
        """One pass over the data rows; the common case stays in this loop (a million rows)."""
        width = len(self.header)
        missing = self._missing_reason() if self.missing else None
        cols, layout = self.layout.columns, self.layout
        i_date, i_currency = self.index["date"], self.index.get("currency")
        i_amount = self.index.get("amount")
        i_payer, i_reference, i_bank_ref, i_account = (
            self.index.get(f) for f in ("payer", "reference", "bank_transaction_id", "account"))
        parse_date, cents_of = self.dates.parse, self.amounts.cents
        default_currency, account = (layout.currency or "").upper(), self.account
        append = self.parsed.transactions.append
        for row in reader:
            if not "".join(row).strip():
                continue
            line = reader.line_num
            if missing:
                self._reject(line, row, *missing)
                continue
            if len(row) != width:
                self._reject(line, row, None, f"row has {len(row)} cells, the header has {width}")
                continue
            booked_on = parse_date(row[i_date])
            if booked_on is None:
                self._reject(line, row, "date", f"{cols['date']} {row[i_date].strip()!r} is not a "
                             f"date in the format {layout.date_format!r}")
                continue
            if i_amount is not None:
                cents = cents_of(row[i_amount])
                if cents is None:
                    self._reject(line, row, "amount", f"{cols['amount']} "
                                 f"{row[i_amount].strip()!r} is not an amount")
                    continue
            else:
                cents, problem = self._split_amount(row)
                if problem:
                    self._reject(line, row, *problem)
                    continue
            currency = row[i_currency].strip().upper() if i_currency is not None else ""
            currency = currency or default_currency
            if len(currency) != 3 or not _CURRENCY.match(currency):
                self._reject(line, row, "currency", f"{cols.get('currency', 'currency')} "
                             f"{currency!r} is not a 3-letter currency code")
                continue
            append(Transaction(
                line, (row[i_account].strip() if i_account is not None else "") or account,
                booked_on, cents, currency,
                (row[i_payer].strip() or None) if i_payer is not None else None,
                (row[i_reference].strip() or None) if i_reference is not None else None,
                (row[i_bank_ref].strip() or None) if i_bank_ref is not None else None,
                True, 1, None, None if cents > 0 else ("debit" if cents < 0 else "zero amount")))

    def _reject(self, line: int, row: list[str], field: str | None, reason: str) -> None:
        record = dict(zip(self.header, row, strict=False)) if len(row) <= len(self.header) else {
            "cells": row}
        self.parsed.rejected.append(Rejected(line, field, reason, record))

    def _cell(self, row: list[str], field: str) -> str:
        i = self.index.get(field)
        return row[i].strip() if i is not None else ""

    def _split_amount(self, row: list[str]) -> tuple[int, tuple[str, str] | None]:
        cols = self.layout.columns
        values = {}
        for field in ("credit", "debit"):
            text = self._cell(row, field)
            cents = self.amounts.cents(text) if text else 0
            if cents is None:
                return 0, (field, f"{cols[field]} {text!r} is not an amount")
            values[field] = abs(cents)
        if values["credit"] and values["debit"]:
            return 0, ("amount", f"both {cols['credit']} and {cols['debit']} hold an amount")
        if not values["credit"] and not values["debit"]:
            return 0, ("amount", f"neither {cols['credit']} nor {cols['debit']} holds an amount")
        return values["credit"] or -values["debit"], None
