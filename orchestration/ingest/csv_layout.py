"""How a delimited text file is laid out: the delimiter that splits its header into the mapped
columns, and the physical line each record starts on.

Readers skip blank lines and let a quoted cell span lines, but a person looks a bad row up by
the line number their editor shows, so quarantine reports physical lines.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import partial
from pathlib import Path

DELIMITERS = (",", "\t", ";", "|")
_CHUNK = 1 << 22


@dataclass(frozen=True)
class Header:
    cells: list[str]
    delimiter: str
    line: int  # physical line of the header (blank lines before it are skipped)


@dataclass(frozen=True)
class LineScan:
    lines: int  # physical lines, the last one counted even without a final newline
    blank_lines: list[int]  # line numbers of empty lines (nothing, or only a carriage return)


def read_header(path: Path, score) -> Header:
    """The first non-blank line split by the delimiter under which `score(cells)` is highest
    (how many mapped labels it finds), comma first on a tie."""
    line_number, first = 0, ""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_number, line in enumerate(handle, start=1):  # noqa: B007 - returned
            if line.strip("\r\n"):
                first = line
                break
    if not first.strip():
        return Header([], ",", max(line_number, 1))
    candidates = [(next(csv.reader([first], delimiter=d)), d) for d in DELIMITERS]
    cells, delimiter = max(candidates, key=lambda c: (score(c[0]), len(c[0]) > 1))
    return Header(cells, delimiter, line_number)


def scan_lines(path: Path) -> LineScan:
    """Count the file's lines and find its blank ones, with C-speed searches chunk by chunk."""
    lines, blanks, tail, last = 0, [], b"\n", b""
    with path.open("rb") as handle:
        for chunk in iter(partial(handle.read, _CHUNK), b""):
            buffer = tail + chunk
            ends = sorted(_blank_line_ends(buffer, len(tail)))
            position = len(tail)
            counted = 0
            for end in ends:
                counted += buffer.count(b"\n", position, end)
                position = end
                blanks.append(lines + counted + 1)
            lines += chunk.count(b"\n")
            tail, last = buffer[-2:], chunk[-1:]
    if last and last != b"\n":
        lines += 1
    return LineScan(lines, blanks)


def _blank_line_ends(buffer: bytes, start: int) -> set[int]:
    """Positions (at or after `start`) of the newlines that end blank lines: `\n\n`, `\n\r\n`."""
    ends = set()
    for pattern in (b"\n\n", b"\n\r\n"):
        found = buffer.find(pattern)
        while found != -1:
            end = found + len(pattern) - 1
            if end >= start:
                ends.add(end)
            found = buffer.find(pattern, found + 1)
    return ends


def record_start_lines(path: Path, delimiter: str, header_line: int) -> list[int]:
    """The physical line each record after the header starts on, reading quotes as DuckDB does.

    Needed only when a quoted cell spans lines; one Python pass over the file.
    """
    starts = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        before = 0
        for cells in reader:
            if cells and reader.line_num > header_line:
                starts.append(before + 1)
            before = reader.line_num
    return starts
