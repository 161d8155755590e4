"""Read a delimited or spreadsheet file into DuckDB as text rows under ledger field names.

Every file becomes the same temp table, `landing_rows`: `row_number` (as a person sees it in
the file: the header is row 1), `first_cell`/`only_first_cell` (to recognise report footers)
and the file's cells `c0..cN`. Two views read it: `landing_fields` names one VARCHAR column per
ledger field (NULL where the file lacks an optional column), and `landing_records` gives the
rows listed in `quarantined_rows` as JSON keyed by the file's own labels.
"""

from __future__ import annotations

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

from orchestration.ingest.csv_layout import Header, read_header, record_start_lines, scan_lines
from orchestration.ingest.landing import FileRejected

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}  # what calamine reads
_HEADER_SEARCH_ROWS = 20


def _label_key(label: str) -> str:
    return re.sub(r"\s+", " ", label.replace("\ufeff", "")).strip().casefold()


@dataclass(frozen=True)
class ColumnMapping:
    """Ledger field -> column label, which fields a file cannot do without, and every field the
    source's SQL reads (`fields`: an optional one the policy leaves unmapped reads as NULL)."""

    columns: dict[str, str]
    required: tuple[str, ...]
    fields: tuple[str, ...] = ()

    @property
    def labels(self) -> dict[str, str]:
        """Every field's label for quarantine reasons (an unmapped one, never filled, by its name)."""
        return {**{field: field for field in self.fields}, **self.columns}

    def locate(self, header: list[str], file_name: str) -> tuple[dict[str, int], FileRejected | None]:
        """Position of each mapped field in the header, and the problem if a required one is missing.

        A label that appears twice is a problem only when the mapping reads it (which copy would
        it be?); a repeated column nobody maps is ignored, as a person reading the file would.
        """
        positions: dict[str, list[int]] = {}
        for index, label in enumerate(header):
            positions.setdefault(_label_key(label), []).append(index)
        found: dict[str, int] = {}
        problem = None
        for field, label in self.columns.items():
            at = positions.get(_label_key(label), [])
            if len(at) > 1:
                raise FileRejected(
                    f"{file_name}: column {label!r} appears twice in the header (columns "
                    f"{' and '.join(str(i + 1) for i in at)}), and ledger field {field} reads it",
                    row_number=1, field=field,
                )
            if at:
                found[field] = at[0]
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

    def matches(self, header: list[str]) -> int:
        """How many mapped labels the header carries (to tell a delimiter that splits it right)."""
        keys = {_label_key(c) for c in header}
        return sum(_label_key(label) in keys for label in self.columns.values())

    def is_header(self, row: list[str]) -> bool:
        keys = {_label_key(c) for c in row}
        return all(_label_key(self.columns[f]) in keys for f in self.required)


def load_rows(con: duckdb.DuckDBPyConnection, path: Path, mapping: ColumnMapping,
              sheet: str | None, display_name: str) -> FileRejected | None:
    """Create `landing_rows` from a CSV or spreadsheet file.

    Raises FileRejected when the file cannot be read at all; returns the problem when it can be
    read but lacks a required column (its rows are then quarantined, not lost).
    """
    layout = None
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        header, relation = _spreadsheet_relation(con, path, mapping, sheet, display_name)
    else:
        layout = read_header(path, mapping.matches)
        header = layout.cells
        if not header or not any(cell.strip() for cell in header):
            raise FileRejected(f"{display_name}: the file is empty (no header row)")
    positions, problem = mapping.locate(header, display_name)
    if layout is None:
        _materialize(con, relation, len(header), display_name)
    else:
        _load_csv(con, path, layout, display_name)
    rows = con.table("landing_rows")
    con.register("landing_fields", _fields(rows, positions, mapping))
    # JSON of a whole row is costly at millions of rows: build it only for quarantined rows.
    con.execute("create or replace temp table quarantined_rows (row_number integer)")
    kept = rows.join(con.table("quarantined_rows"), "row_number", how="semi")
    con.register("landing_records", _records(kept, header))
    return problem


def _materialize(con, relation, width: int, display_name: str) -> None:
    """`landing_rows` from a relation of `row_number, c0..cN`."""
    cells = [ColumnExpression(f"c{i}") for i in range(width)]
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


def _load_csv(con, path: Path, layout: Header, display_name: str) -> None:
    """`landing_rows` from a delimited file, numbered by the physical line each row starts on."""
    names = [f"c{i}" for i in range(len(layout.cells))]

    def relation(parallel: bool):
        cells = con.read_csv(
            str(path), header=True, auto_detect=False, columns=dict.fromkeys(names, "VARCHAR"),
            null_padding=True, delimiter=layout.delimiter, quotechar='"', escapechar='"',
            encoding="utf-8", skiprows=layout.line - 1, parallel=parallel,
        )
        number = (SQLExpression("row_number() over ()") + ConstantExpression(layout.line)).cast(
            "INTEGER").alias("row_number")
        return cells.select(number, *[ColumnExpression(n) for n in names])

    try:
        _materialize(con, relation(parallel=True), len(names), display_name)
    except FileRejected as rejected:
        if "quoted new lines" not in str(rejected):
            raise
        # DuckDB's parallel reader cannot pad short rows of a file whose cells span lines
        _materialize(con, relation(parallel=False), len(names), display_name)
    _number_by_physical_line(con, path, layout)


def _number_by_physical_line(con, path: Path, layout: Header) -> None:
    """Renumber `landing_rows` (record k is on line header + k) by the lines the rows start on."""
    scan = scan_lines(path)
    blanks = [line for line in scan.blank_lines if line > layout.line]
    ((records,),) = con.execute("select count(*) from landing_rows").fetchall()
    if layout.line + records + len(blanks) == scan.lines:  # one line per record
        if blanks:
            # the j-th blank line (1-based) comes after `line - header - j` records
            con.execute(
                "update landing_rows set row_number = row_number + (select count(*) from "
                "unnest(?::integer[]) as b(after) where after < landing_rows.row_number - ?)",
                [[line - layout.line - j for j, line in enumerate(blanks, start=1)], layout.line],
            ).fetchall()
        return
    starts = record_start_lines(path, layout.delimiter, layout.line)
    con.execute(
        "update landing_rows set row_number = lines.start from (select unnest(?::integer[]) as "
        "start, generate_subscripts(?::integer[], 1) as k) as lines "
        "where landing_rows.row_number = lines.k + ?",
        [starts, starts, layout.line],
    ).fetchall()


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
        for f in mapping.labels
    ])


def _records(rows, header: list[str]):
    pairs = []
    for index, label in enumerate(header):
        pairs += [ConstantExpression(label or f"(column {index + 1})"), ColumnExpression(f"c{index}")]
    return rows.select(
        ColumnExpression("row_number"), FunctionExpression("json_object", *pairs).alias("raw_record")
    )
