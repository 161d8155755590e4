"""Invoice copies kept as PDFs in `documents/<office>/<invoice number>.pdf` into
`raw.invoice_documents`, replaced at each run: the folder as it is now, every file with the
office it belongs to, the invoice number its name gives, and why it is not served (if so).

The folder is kept by people (or an export job), like the contacts file, not taken once like a
landing drop: its files stay where they are. dbt keys each file to its invoice with the same
`invoice_key()` as every source; the portal serves only what is published (portal/invoice_copies.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.policy import Policy
from orchestration.storage.warehouse import transaction
from portal.invoice_copies import CheckedCopy, check_copy, documents_dir


@dataclass(frozen=True)
class InvoiceDocument:
    """One file of the documents folder and what the run made of it."""

    office: str | None
    invoice_number: str
    checked: CheckedCopy
    modified_at: dt.datetime

    @property
    def problem(self) -> str | None:
        if self.office is None:
            return "its folder is not an office in ledgerloop.yaml (an office code, name or alias)"
        if not self.checked.relative_path.lower().endswith(".pdf"):
            return "not named <invoice number>.pdf"
        return self.checked.problem


def _office_codes(policy: Policy) -> dict[str, str]:
    return {re.sub(r"[^a-z0-9]", "", spelling): code for spelling, code in policy.office_spellings}


def scan_documents(home: Path, policy: Policy) -> list[InvoiceDocument]:
    """Every file one folder below `documents/` (dot-files and temporary names aside), checked."""
    root = documents_dir(home)
    if not root.is_dir():
        return []
    offices = _office_codes(policy)
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        office = offices.get(re.sub(r"[^a-z0-9]", "", folder.name.casefold()))
        for path in sorted(folder.iterdir()):
            if path.name.startswith((".", "~$")) or path.suffix.lower() in (".part", ".tmp", ".crdownload"):
                continue
            relative = f"{folder.name}/{path.name}"
            modified = dt.datetime.fromtimestamp(path.lstat().st_mtime, dt.UTC).replace(tzinfo=None)
            found.append(InvoiceDocument(office, Path(path.name).stem, check_copy(root, relative), modified))
    return found


def load_documents(
    con: duckdb.DuckDBPyConnection, documents: list[InvoiceDocument], now: dt.datetime
) -> None:
    """Replace `raw.invoice_documents` with the folder as it is now (one transaction)."""
    rows = [
        (d.office, d.invoice_number, d.checked.relative_path, d.checked.size, d.checked.sha256,
         d.modified_at, d.problem, now)
        for d in documents
    ]
    with transaction(con):
        con.execute("delete from raw.invoice_documents")
        if rows:
            con.executemany("insert into raw.invoice_documents values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
