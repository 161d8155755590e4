"""Customer contacts for dunning, from a staff-kept CSV: `$LEDGERLOOP_HOME/contacts/account_contacts.csv`.

Columns (header names, any order): `Account ID` (required), `Contact Name`, `Email`, `Phone`,
`Address` (lines separated by `|` or newlines), `Time Zone` (IANA), `Customer Type`. Each run
upserts the file's rows into `outreach.account_contacts` by account id, so rows typed in directly
for accounts the file does not list stay.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import duckdb
import pandas as pd

COLUMNS = {
    "account id": "account_id",
    "contact name": "contact_name",
    "email": "email",
    "phone": "phone",
    "address": "address_lines",
    "time zone": "time_zone",
    "customer type": "customer_type",
}


def contacts_path(home: Path) -> Path:
    return home / "contacts" / "account_contacts.csv"


def read_contacts_file(path: Path, *, keep: bool = True) -> dict[str, dict]:
    """The file's contacts by account id (a later row for the same account wins); {} without a file.
    Each caller gets its own copy of the last parse, kept (`keep`) by the file's content: a run
    reads the file in five steps, and parsing 110k contacts took ~1.5 s each time. The run's first
    read, before dbt, does not keep it: it would sit in memory through dbt's step, the run's peak."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    digest = hashlib.sha256(data).digest()
    parsed = _KEPT.get(digest)
    if parsed is None:
        parsed = _parsed_contacts(data)
        if keep:
            _KEPT.clear()
            _KEPT[digest] = parsed
    return {account_id: dict(contact) for account_id, contact in parsed.items()}


_KEPT: dict[bytes, dict[str, dict]] = {}
"""The last kept parse of a contacts file, by the sha256 of its bytes."""


def _parsed_contacts(data: bytes) -> dict[str, dict]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    contacts: dict[str, dict] = {}
    for row in rows:
        values = {field: (row.get(label) or "").strip() for label, field in _labels(row).items()}
        if not values.get("account_id"):
            continue
        values["address_lines"] = "\n".join(
            part.strip()
            for part in values.get("address_lines", "").replace("|", "\n").splitlines()
            if part.strip()
        )
        contacts[values["account_id"]] = {
            "account_id": values["account_id"],
            **{field: values.get(field) or None for field in _FIELDS},
        }
    return contacts


def load_contacts(con: duckdb.DuckDBPyConnection, path: Path, now: dt.datetime, *, keep: bool = True) -> int:
    """Upsert the CSV's contacts in one statement; returns how many rows were loaded (0 when
    there is no file). A later row for the same account wins. `keep`: see `read_contacts_file`."""
    updated_at = now.astimezone(dt.UTC).replace(tzinfo=None)
    contacts = [{**row, "updated_at": updated_at} for row in read_contacts_file(path, keep=keep).values()]
    if contacts:
        con.register("contact_rows", pd.DataFrame(contacts))
        con.execute(_UPSERT_CONTACTS)
        con.unregister("contact_rows")
    return len(contacts)


def current_contacts(con: duckdb.DuckDBPyConnection, home: Path) -> dict[str, dict]:
    """Every account's contact as the next dunning run will know it: the rows in
    `outreach.account_contacts` (typed in by staff, or loaded by an earlier run) overlaid with
    the file as it is now, so a page published before dunning runs is not a run behind."""
    known: dict[str, dict] = {}
    if con.execute(_HAS_CONTACTS_TABLE).fetchone()[0]:
        cursor = con.execute(_SELECT_CONTACTS)
        names = [d[0] for d in cursor.description]
        known = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    known.update(read_contacts_file(contacts_path(home)))
    return known


_FIELDS = ("contact_name", "email", "phone", "address_lines", "time_zone", "customer_type")
_UPSERT_CONTACTS = "insert or replace into outreach.account_contacts by name select * from contact_rows"
_HAS_CONTACTS_TABLE = (
    "select count(*) from information_schema.tables "
    "where table_schema = 'outreach' and table_name = 'account_contacts'"
)
_SELECT_CONTACTS = (
    "select account_id, contact_name, email, phone, address_lines, time_zone, customer_type "
    "from outreach.account_contacts"
)


def _labels(row: dict) -> dict[str, str]:
    """CSV header -> contact field, matching headers case- and space-insensitively."""
    return {
        label: COLUMNS[" ".join(label.lower().split())]
        for label in row
        if label and " ".join(label.lower().split()) in COLUMNS
    }
