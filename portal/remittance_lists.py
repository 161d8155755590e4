"""The invoice list a remittance advice names, read when it is uploaded: a CSV or XLSX sheet
with a column whose header says invoice (and optionally one that says amount or paid). A PDF is
kept for the collector to read; its list is not read."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

MAX_ROWS = 500
_AMOUNT = re.compile(r"amount|paid|payment|sum", re.IGNORECASE)


def _rows(data: bytes, kind: str) -> list[list[str]]:
    if kind == "csv":
        text = data.decode("utf-8-sig")
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        return [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    if kind == "xlsx":
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        return [["" if c is None else str(c) for c in row] for row in sheet.to_python() if any(row)]
    return []


def _amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[^\d.\-]", "", text.replace(",", ""))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01")) if value.is_finite() and value > 0 else None


def invoice_list(data: bytes, kind: str) -> list[dict]:
    """[{"invoice": "INV-1", "amount": "100.00" or None}, ...] as the advice lists them (at most
    `MAX_ROWS`); empty when no header names an invoice column."""
    from python_calamine import CalamineError

    try:
        rows = _rows(data, kind)
    except (csv.Error, UnicodeDecodeError, ValueError, CalamineError):
        return []
    for at, header in enumerate(rows[:20]):
        names = [cell.strip().lower() for cell in header]
        invoice_col = next((i for i, name in enumerate(names) if "invoice" in name), None)
        if invoice_col is None:
            continue
        amount_col = next(
            (i for i, name in enumerate(names) if i != invoice_col and _AMOUNT.search(name)), None
        )
        listed = []
        for row in rows[at + 1 : at + 1 + MAX_ROWS]:
            invoice = row[invoice_col].strip() if invoice_col < len(row) else ""
            if not invoice:
                continue
            amount = _amount(row[amount_col]) if amount_col is not None and amount_col < len(row) else None
            listed.append({"invoice": invoice[:100], "amount": None if amount is None else str(amount)})
        return listed
    return []
