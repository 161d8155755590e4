"""Inbound files: find the ones that are complete, fingerprint them, make them readable as UTF-8,
archive them.

A landing folder sees files while they are being written (a browser download, an SFTP upload,
Excel saving). A file is taken only once it has settled: its temporary name is gone (names such
as `*.part`, `*.tmp`, `*.crdownload`, `~$*` and dot-files are never read) and its size and
modification time have not changed for the settle interval. The content hash is taken again
before a load is committed; a file that changed while it was read is left for a later run.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20
_TEMPORARY_PREFIXES = (".", "~$")
# (BOM, codec that strips it) in the order they must be tried: UTF-32-LE's BOM starts like UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says where and why."""

    def __init__(self, message: str, *, row_number: int | None = None, field: str | None = None):
        super().__init__(message)
        self.row_number = row_number
        self.field = field


@dataclass(frozen=True)
class LandingFile:
    path: Path
    sha256: str
    encoding: str | None
    """The Unicode encoding the bytes decode in (`utf-8`, `utf-16`, `utf-32-le`...), or None:
    not Unicode, so the source's fallback (legacy) encoding applies."""
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8"


def pending_files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    """Files waiting in a landing folder, oldest first so later exports are loaded later.

    Only the source's suffixes count, so `export.csv.part` waits until it is renamed.
    """
    if not folder.is_dir():
        return []
    wanted = {s.lower() for s in suffixes}
    files = []
    for path in folder.iterdir():
        if path.suffix.lower() not in wanted or path.name.startswith(_TEMPORARY_PREFIXES):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # moved away while we looked
            continue
        if path.is_file():
            files.append((stat.st_mtime_ns, path.name, path))
    return [path for _, _, path in sorted(files)]


def settled(paths: list[Path], settle_seconds: float,
            started_at: dt.datetime) -> tuple[list[Path], list[Path]]:
    """(files unchanged for `settle_seconds`, files still being written), in the given order.

    A file last modified `settle_seconds` before the run started (`started_at`, naive UTC) has
    settled; the others are looked at again after one wait of the interval, and those whose size
    or modification time moved meanwhile are still being written.
    """
    if settle_seconds <= 0:
        return list(paths), []
    seen = _stats(paths)
    cutoff = (started_at.replace(tzinfo=dt.UTC).timestamp() - settle_seconds) * 1e9
    young = {p: s for p, s in seen.items() if s[1] >= cutoff}
    if young:
        time.sleep(settle_seconds)
    again = _stats(list(young))
    moving = {p for p in young if again.get(p) != young[p]}
    return ([p for p in paths if p in seen and p not in moving],
            [p for p in paths if p in moving])


def _stats(paths: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    stats = {}
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        stats[path] = (stat.st_size, stat.st_mtime_ns)
    return stats


def fingerprint(path: Path) -> LandingFile:
    """Hash the content and find the Unicode encoding it decodes in, in one streaming pass."""
    digest = hashlib.sha256()
    size = 0
    decoder = encoding = None
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if decoder is None:
                encoding = _sniff_encoding(chunk)
                decoder = codecs.getincrementaldecoder(encoding)()
            digest.update(chunk)
            size += len(chunk)
            if encoding is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    encoding = None
    if encoding is not None and decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = None
    return LandingFile(path=path, sha256=digest.hexdigest(), encoding=encoding or (
        "utf-8" if size == 0 else None), size=size)


def _sniff_encoding(head: bytes) -> str:
    """The encoding a file's first bytes announce (BOM) or show (NUL bytes of UTF-16/32 text)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    sample = head[:4096]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) >= 4 and sample.count(0) * 4 >= len(sample):
        quads = [sample[i:i + 4] for i in range(0, len(sample), 4)]
        if all(q[1:] == b"\0\0\0" or q == b"\0\0\0\0" for q in quads):
            return "utf-32-le"
        if all(q[:3] == b"\0\0\0" for q in quads):
            return "utf-32-be"
        if sample[1::2].count(0) * 2 >= len(sample) // 2:
            return "utf-16-le"
        if sample[0::2].count(0) * 2 >= len(sample) // 2:
            return "utf-16-be"
    return "utf-8"


def unchanged(file: LandingFile) -> bool:
    """Whether the file still holds what was fingerprinted (it may have grown since)."""
    try:
        return fingerprint(file.path).sha256 == file.sha256
    except FileNotFoundError:
        return False


def transcode_to_utf8(file: LandingFile, encoding: str, workdir: Path) -> Path:
    """Copy a file written in UTF-16/32 or a legacy encoding (Excel on Windows: cp1252) as UTF-8.

    Line breaks are kept as they are, so row numbers stay the file's own.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"{file.sha256}.utf8{file.path.suffix}"
    if file.encoding is not None:  # validated whole by `fingerprint`
        with file.path.open(encoding=file.encoding, newline="") as src, \
                target.open("w", encoding="utf-8", newline="") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
        return target
    line_number = 0
    try:
        with file.path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            for line_number, line in enumerate(src, start=1):  # noqa: B007 - used in the error
                dst.write(line.decode(encoding))
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)
        raise FileRejected(
            f"{file.name}: line {line_number} is neither UTF-8 nor {encoding} "
            f"(byte 0x{exc.object[exc.start]:02x}); re-export the file as UTF-8",
            row_number=line_number,
        ) from None
    return target


def archive(file: LandingFile, archive_dir: Path) -> Path:
    """Move a processed file out of landing, under its content hash so nothing is overwritten."""
    target = archive_dir / file.sha256[:2] / f"{file.sha256[:16]}__{file.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        file.path.unlink()
    else:
        shutil.move(file.path, target)
    return target
