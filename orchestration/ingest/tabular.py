"""Read a delimited or spreadsheet file into DuckDB as text rows under ledger field names.

Every file becomes the same temp table, `landing_rows`: `row_number` (as a person sees it in
the file: the header is row 1), `first_cell`/`only_first_cell` (to recognise report footers)
and the file's cells `c0..cN`. Two views read it: `landing_fields` names one VARCHAR column per
ledger field (NULL where the file lacks an optional column), and `landing_records` gives the
rows listed in `quarantined_rows` as JSON keyed by the file's own labels.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from duckdb import (
    CoalesceOperator,
    ColumnExpression,
    ConstantExpression,
    FunctionExpression,
    SQLExpression,
)

from orchestration.ingest.landing import FileRejected

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}  # what calamine reads
_HEADER_SEARCH_ROWS = 20


def _label_key(label: str) -> str:
    return re.sub(r"\s+", " ", label.replace("\ufeff", "")).strip().casefold()


@dataclass(frozen=True)
class ColumnMapping:
    """Ledger field -> column label, and which fields a file cannot do without."""

    columns: dict[str, str]
    required: tuple[str, ...]

    def locate(self, header: list[str], file_name: str) -> tuple[dict[str, int], FileRejected | None]:
        """Position of each mapped field in the header, and the problem if a required one is missing."""
        positions: dict[str, int] = {}
        for index, label in enumerate(header):
            key = _label_key(label)
            if key in positions:
                raise FileRejected(
                    f"{file_name}: column {label!r} appears twice in the header", row_number=1
                )
            positions[key] = index
        found: dict[str, int] = {}
        problem = None
        for field, label in self.columns.items():
            if _label_key(label) in positions:
                found[field] = positions[_label_key(label)]
            elif field in self.required and problem is None:
                close = difflib.get_close_matches(label, header, n=1, cutoff=0.6)
                hint = f" (found {close[0]!r}: renamed?)" if close else ""
                problem = FileRejected(
                    f"{file_name}: required column {label!r} (ledger field {field}) is missing"
                    f"{hint}; columns found: {', '.join(header)}",
                    row_number=1,
                    field=field,
                )
        return found, problem

    def is_header(self, row: list[str]) -> bool:
        keys = {_label_key(c) for c in row}
        return all(_label_key(self.columns[f]) in keys for f in self.required)


def load_rows(con: duckdb.DuckDBPyConnection, path: Path, mapping: ColumnMapping,
              sheet: str | None, display_name: str) -> FileRejected | None:
    """Create `landing_rows` from a CSV or spreadsheet file.

    Raises FileRejected when the file cannot be read at all; returns the problem when it can be
    read but lacks a required column (its rows are then quarantined, not lost).
    """
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        header, relation = _spreadsheet_relation(con, path, mapping, sheet, display_name)
    else:
        header, relation = _csv_relation(con, path, display_name)
    positions, problem = mapping.locate(header, display_name)
    cells = [ColumnExpression(f"c{i}") for i in range(len(header))]
    rest = CoalesceOperator(*cells[1:]) if len(cells) > 1 else ConstantExpression(None)
    con.register("landing_file", relation.select(
        ColumnExpression("row_number"), cells[0].alias("first_cell"),
        rest.isnull().alias("only_first_cell"), *cells,
    ))
    try:
        con.execute("create or replace temp table landing_rows as select * from landing_file")
    except duckdb.Error as exc:
        reason = str(exc).split("Possible fixes")[0].strip().replace("\n", "; ")
        raise FileRejected(f"{display_name}: not a readable file: {reason}") from None
    finally:
        con.unregister("landing_file")
    rows = con.table("landing_rows")
    con.register("landing_fields", _fields(rows, positions, mapping))
    # JSON of a whole row is costly at millions of rows: build it only for quarantined rows.
    con.execute("create or replace temp table quarantined_rows (row_number integer)")
    kept = rows.join(con.table("quarantined_rows"), "row_number", how="semi")
    con.register("landing_records", _records(kept, header))
    return problem


def _csv_relation(con, path: Path, display_name: str):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header or not any(cell.strip() for cell in header):
        raise FileRejected(f"{display_name}: the file is empty (no header row)", row_number=1)
    names = [f"c{i}" for i in range(len(header))]
    relation = con.read_csv(
        str(path), header=True, auto_detect=False, columns=dict.fromkeys(names, "VARCHAR"),
        null_padding=True, delimiter=",", quotechar='"', escapechar='"', encoding="utf-8",
    )
    row_number = SQLExpression("(row_number() over () + 1)::integer").alias("row_number")
    return header, relation.select(row_number, *[ColumnExpression(n) for n in names])


def _cell_text(value) -> str | None:
    """Spreadsheet cells as the text a CSV export would carry (ISO dates, exact decimals)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        number = Decimal(repr(value))
        return format(number.quantize(Decimal(1)) if number == number.to_integral() else number, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _spreadsheet_relation(con, path: Path, mapping: ColumnMapping, sheet: str | None,
                          display_name: str):
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet_name = sheet if sheet is not None else workbook.sheet_names[0]
        if sheet_name not in workbook.sheet_names:
            raise FileRejected(
                f"{display_name}: no sheet named {sheet_name!r}; sheets: "
                f"{', '.join(workbook.sheet_names)}"
            )
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except CalamineError as exc:
        raise FileRejected(f"{display_name}: not a readable spreadsheet: {exc}") from None
    texts = [[_cell_text(v) for v in row] for row in rows]
    header_index = next(
        (i for i, row in enumerate(texts[:_HEADER_SEARCH_ROWS])
         if mapping.is_header([c or "" for c in row])),
        None,
    )
    if header_index is None:
        if not any(any(row) for row in texts):
            raise FileRejected(f"{display_name}: sheet {sheet_name!r} is empty", row_number=1)
        first = next(row for row in texts if any(row))
        _, problem = mapping.locate([c or "" for c in first], display_name)
        raise problem or FileRejected(f"{display_name}: no header row found")
    header = [c or "" for c in texts[header_index]]
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    data = [
        [header_index + 2 + offset, *(row + [None] * width)[:width]]
        for offset, row in enumerate(texts[header_index + 1:])
        if any(row)
    ]
    import pandas as pd

    frame = pd.DataFrame(
        {"row_number": pd.array([r[0] for r in data], dtype="int32"),
         **{n: pd.array([r[i] for r in data], dtype="object") for i, n in enumerate(names, 1)}}
    )
    relation = con.from_df(frame).select(
        ColumnExpression("row_number"), *[ColumnExpression(n).cast("VARCHAR").alias(n) for n in names]
    )
    return header, relation


def _fields(rows, positions: dict[str, int], mapping: ColumnMapping):
    return rows.select(ColumnExpression("row_number"), *[
        (ColumnExpression(f"c{positions[f]}") if f in positions
         else ConstantExpression(None).cast("VARCHAR")).alias(f)
        for f in mapping.columns
    ])


def _records(rows, header: list[str]):
    pairs = []
    for index, label in enumerate(header):
        pairs += [ConstantExpression(label or f"(column {index + 1})"), ColumnExpression(f"c{index}")]
    return rows.select(
        ColumnExpression("row_number"), FunctionExpression("json_object", *pairs).alias("raw_record")
    )
