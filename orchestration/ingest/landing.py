"""Inbound files: find them, fingerprint them, make them readable as UTF-8, archive them."""

from __future__ import annotations

import codecs
import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


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
    is_utf8: bool
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def pending_files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    """Files waiting in a landing folder, oldest first so later exports are loaded later."""
    if not folder.is_dir():
        return []
    wanted = {s.lower() for s in suffixes}
    files = []
    for path in folder.iterdir():
        if path.suffix.lower() not in wanted or path.name.startswith((".", "~$")):
            continue
        try:
            files.append((path.stat().st_mtime_ns, path.name, path))
        except FileNotFoundError:  # moved away while we looked
            continue
    return [path for _, _, path in sorted(files)]


def fingerprint(path: Path) -> LandingFile:
    """Hash the content and check that it decodes as UTF-8, in one streaming pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return LandingFile(path=path, sha256=digest.hexdigest(), is_utf8=is_utf8, size=size)


def transcode_to_utf8(file: LandingFile, encoding: str, workdir: Path) -> Path:
    """Copy a file written in a legacy encoding (Excel on Windows: cp1252) as UTF-8."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"{file.sha256}.utf8{file.path.suffix}"
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
