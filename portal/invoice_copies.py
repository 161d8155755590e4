"""Invoice copies kept as files: `$LEDGERLOOP_HOME/documents/<office>/<invoice number>.pdf`.

One owner for what a servable copy is, used twice: the pipeline checks every file when it lists
the folder (and says why it refuses one), the portal checks the published file again when it
serves it (it may have changed since). A copy is a regular file (no symlink, nothing outside the
folder), a real PDF by its first bytes (not by its name), at most `MAX_COPY_BYTES`, and, when
served, the very bytes the pipeline published (by SHA-256). The served path comes from the
published record, never from a request.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_COPY_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def documents_dir(home: Path) -> Path:
    """Where staff (or an export job) keep invoice PDFs, one folder per office."""
    return home / "documents"


@dataclass(frozen=True)
class CheckedCopy:
    """A file of the documents folder as the pipeline found it; `problem` says why it is not
    served (None: it is)."""

    relative_path: str
    size: int
    sha256: str | None
    problem: str | None


def _inside(root: Path, relative: str) -> Path | None:
    """`root/relative` when `relative` is a plain `office/name` path that stays inside `root`."""
    parts = PurePosixPath(relative).parts
    if len(parts) != 2 or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    path = root / parts[0] / parts[1]
    try:
        if path.resolve(strict=True).parent.parent != root.resolve(strict=True):
            return None
    except (OSError, RuntimeError):
        return None
    return path


def _read_checked(path: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes, or why it is no copy: opened without following a symlink, a regular
    file, size-capped, starting as a PDF does."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        return None, "a link or unreadable" if path.is_symlink() else f"unreadable ({error.strerror})"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_COPY_BYTES:
            return None, f"larger than {MAX_COPY_BYTES // (1024 * 1024)} MB"
        data = handle.read(MAX_COPY_BYTES + 1)
    if not data.startswith(PDF_MAGIC):
        return None, f"not a PDF (it starts with {data[:8]!r}, a PDF with {PDF_MAGIC!r})"
    return data, None


def check_copy(root: Path, relative: str) -> CheckedCopy:
    """What the pipeline publishes for one file of the documents folder."""
    path = _inside(root, relative)
    if path is None:
        return CheckedCopy(relative, 0, None, "outside the documents folder (a link?)")
    data, problem = _read_checked(path)
    if data is None:
        return CheckedCopy(relative, 0, None, problem)
    return CheckedCopy(relative, len(data), hashlib.sha256(data).hexdigest(), None)


def read_copy(root: Path, relative: str, sha256: str) -> bytes | None:
    """The published copy's bytes, or None when it is gone, changed or no longer a PDF."""
    path = _inside(root, relative)
    if path is None:
        return None
    data, _ = _read_checked(path)
    if data is None or hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data
