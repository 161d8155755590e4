"""Files customers upload (remittance advices): size-capped, their type read from their bytes (the
name and the browser's content type are not trusted), kept outside the web root under
`$LEDGERLOOP_HOME/uploads/` readable by the owner only, named by their SHA-256, and never served
back (so never rendered as HTML by anyone's browser)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
KINDS = {"csv": ".csv", "xlsx": ".xlsx", "pdf": ".pdf"}
_MARKUP = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|\?xml)", re.IGNORECASE)


class UploadRefused(ValueError):
    """The file is not one we take; the message says why in the customer's words."""


@dataclass(frozen=True)
class StoredUpload:
    """An upload as kept: where, what it is, and its name as the customer gave it (for people)."""

    path: Path
    kind: str
    sha256: str
    size: int
    original_name: str


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _is_csv(data: bytes) -> bool:
    if b"\x00" in data or _MARKUP.match(data):
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    first = next((line for line in text.splitlines() if line.strip()), "")
    return any(sep in first for sep in (",", ";", "\t", "|"))


def sniff(data: bytes, filename: str) -> str:
    """The kind of file these bytes are (csv, xlsx or pdf), which its name must agree with."""
    if not data:
        raise UploadRefused("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04") and _is_xlsx(data):
        kind = "xlsx"
    elif _is_csv(data):
        kind = "csv"
    else:
        raise UploadRefused("Upload a CSV, Excel (.xlsx) or PDF file.")
    if not filename.lower().endswith(KINDS[kind]):
        raise UploadRefused(f"The file's name does not match what it holds (a {kind.upper()} file).")
    return kind


def store_upload(
    home: Path, account_id: str, data: bytes, filename: str, purpose: str = "remittances"
) -> StoredUpload:
    """Check and keep the file under `home/uploads/<purpose>/<account>/` (purpose: remittances or
    disputes), owner-only; the same bytes uploaded twice are kept once."""
    kind = sniff(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    account_dir = hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:16]
    folder = home / "uploads" / purpose / account_dir
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{digest}{KINDS[kind]}"
    if not path.exists():
        partial = folder / f".{digest}.partial"
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            handle.write(data)
        partial.replace(path)
    clean_name = re.sub(r"[^\w .()-]+", "_", os.path.basename(filename))[:120] or "file"
    return StoredUpload(path, kind, digest, len(data), clean_name)
