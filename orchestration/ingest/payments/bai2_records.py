"""BAI2 text into logical records, the way banks really write it.

A record ends at `/` (a 16's text runs to the end of its line). Besides one record a line, real
files put several records on one physical line, each ended by `/` and the next record code after
spaces (moov-io/bai2's sample3); wrap a long 16 onto the next physical line without an `88`;
run fixed-length records together with no newlines (blocked files); and continue a record on
`88` records. Each logical record keeps the physical line it starts on and how many BAI2 records
(itself and its 88s) it counts for the trailers' record counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestration.ingest.landing import FileRejected

_CODES = "01|02|03|16|49|88|98|99"
_RECORD_START = re.compile(rf"\s*(?:{_CODES})[,/]")
_NEXT_ON_SAME_LINE = re.compile(rf"(?<=/)\s+(?=(?:{_CODES})[,/])")
_BLANK = " \t\r\n\x1a"  # 0x1A: the DOS end-of-file mark some bank systems append


@dataclass
class Record:
    """A logical record: its code, the line it starts on, and its text with its 88s'."""

    code: str
    line: int
    pieces: list[str]
    """The text after the record code, then each continuation's (as written, `/` and all)."""
    count: int = 1
    """BAI2 records: this one and its 88 continuations."""

    def fields(self) -> list[str]:
        """Comma fields, each continuation's after the previous record's last field."""
        return [f for piece in self.pieces for f in _fields(piece)]

    def joins(self) -> set[int]:
        """Indices in `fields()` where a continuation's fields start."""
        starts, at = set(), 0
        for piece in self.pieces[:-1]:
            at += len(_fields(piece))
            starts.add(at)
        return starts

    def text(self) -> str:
        """The fields as one text, continuations joined by commas (a 16's text keeps its commas)."""
        if len(self.pieces) == 1:
            return self.pieces[0].strip(_BLANK).removesuffix("/").strip()
        return ",".join(piece.strip(_BLANK).removesuffix("/").strip() for piece in self.pieces)


def _fields(piece: str) -> list[str]:
    return piece.strip(_BLANK).removesuffix("/").split(",")


def read_records(text: str, name: str) -> list[Record]:
    """Logical records, each with the physical line it starts on; reject what is not BAI2."""
    records: list[Record] = []
    for line, piece in _pieces(_physical_lines(text), name):
        code, rest = piece[:2], piece[3:] if piece[2:3] == "," else piece[2:]  # `49/`: no fields
        if code != "88":
            records.append(Record(code, line, [rest]))
        elif not records:
            raise FileRejected(f"{name}: line {line}: continuation (88) with no record before it",
                               row_number=line)
        else:
            records[-1].pieces.append(rest)
            records[-1].count += 1
    if not records or records[0].code != "01":
        first = records[0].line if records else None
        raise FileRejected(f"{name}: not a BAI2 file (the first record is not a file header '01')",
                           row_number=first)
    return records


def _physical_lines(text: str) -> list[str]:
    """Lines; a blocked file (fixed-length records, no newlines) split by the length its header
    declares."""
    lines = text.splitlines()
    header = lines[0].split(",") if lines else []
    length = header[6].strip() if len(header) > 6 else ""
    if length.isdigit() and int(length) > 0 and any(
            len(x) > int(length) and len(x) % int(length) == 0 for x in lines):
        n = int(length)
        return [x[i:i + n] for x in lines for i in range(0, len(x), n)]
    return lines


def _pieces(lines: list[str], name: str) -> list[tuple[int, str]]:
    """(line number, record text) for each record, several per line where a bank put them so; a
    line that starts with no record code continues the unterminated record before it."""
    pieces: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip(_BLANK):
            continue
        if _RECORD_START.match(raw):
            split = _NEXT_ON_SAME_LINE.split(raw) if "/" in raw.rstrip(_BLANK)[:-1] else [raw]
            pieces += [(number, p.lstrip(_BLANK)) for p in split]
        elif not pieces:
            break
        elif not pieces[-1][1].rstrip(_BLANK).endswith("/"):
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + raw)  # wrapped: the text goes on
        else:
            raise FileRejected(
                f"{name}: line {number} is not a BAI2 record (no record code such as 16 or 88, and "
                f"the record before it is ended by '/'): {raw.strip()[:40]!r}", row_number=number)
    return pieces
