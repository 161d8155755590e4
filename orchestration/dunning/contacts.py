"""Customer contacts for dunning, from a staff-kept CSV: `$LEDGERLOOP_HOME/contacts/account_contacts.csv`.

Columns (header names, any order): `Account ID` (required), `Contact Name`, `Email`, `Phone`,
`Address` (lines separated by `|` or newlines), `Time Zone` (IANA), `Customer Type`. Each run
upserts the file's rows into `outreach.account_contacts` by account id, so rows typed in directly
for accounts the file does not list stay.
"""

from __future__ import annotations

import csv
import datetime as dt
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


def load_contacts(con: duckdb.DuckDBPyConnection, path: Path, now: dt.datetime) -> int:
    """Upsert the CSV's contacts in one statement; returns how many rows were loaded (0 when
    there is no file). A later row for the same account wins."""
    if not path.exists():
        return 0
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    updated_at = now.astimezone(dt.UTC).replace(tzinfo=None)
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
            "updated_at": updated_at,
        }
    if contacts:
        con.register("contact_rows", pd.DataFrame(list(contacts.values())))
        con.execute(_UPSERT_CONTACTS)
        con.unregister("contact_rows")
    return len(contacts)


_FIELDS = ("contact_name", "email", "phone", "address_lines", "time_zone", "customer_type")
_UPSERT_CONTACTS = "insert or replace into outreach.account_contacts by name select * from contact_rows"


def _labels(row: dict) -> dict[str, str]:
    """CSV header -> contact field, matching headers case- and space-insensitively."""
    return {
        label: COLUMNS[" ".join(label.lower().split())]
        for label in row
        if label and " ".join(label.lower().split()) in COLUMNS
    }
