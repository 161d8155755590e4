"""`sources.salesforce.api.report_cells`: take each Reports API cell's label or its value.

A cell is `{value, label}`. The label is what the report shows, and so what its CSV export
carries: the name for name and lookup columns (whose value is the record Id, `001…`, `005…`),
the picklist label (whose value is the API name), `-` for an empty cell (whose value is null).
Amounts, dates and timestamps are formatted in the label for the running user's locale and
time zone (`£50,000,000`, `16/01/2016`), and plain in the value (50000000, `2016-01-16`), so
those fields always take the value; every other field takes whichever the policy names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

CellPart = Literal["label", "value"]

MONEY_FIELDS = frozenset({"amount", "balance"})
DATE_FIELDS = frozenset({"invoice_date", "due_date"})
TIMESTAMP_FIELDS = frozenset({"last_modified_at"})
VALUE_ONLY_FIELDS = MONEY_FIELDS | DATE_FIELDS | TIMESTAMP_FIELDS

# What makes an API extract and the report's export give the same ledger rows: text as the
# report shows it, typed fields by value, and the currency as its ISO code (the value).
DEFAULT_REPORT_CELLS: dict[str, CellPart] = {
    "invoice_number": "label",
    "account_name": "label",
    "account_id": "label",
    "office": "label",
    "project": "label",
    "project_director": "label",
    "director_email": "label",
    "collector": "label",
    "invoice_date": "value",
    "due_date": "value",
    "currency": "value",
    "amount": "value",
    "balance": "value",
    "stage": "label",
    "last_modified_at": "value",
    "document_url": "value",  # a URL field: its value is the address
}


def check_report_cells(cells: Mapping[str, CellPart], known: Iterable[str]) -> dict[str, CellPart]:
    """The defaults overlaid with `cells`; unknown fields and labels of typed fields refused."""
    unknown = sorted(set(cells) - set(known))
    if unknown:
        raise ValueError(f"unknown ledger field(s) {unknown}; known: {list(known)}")
    labelled = sorted(field for field in VALUE_ONLY_FIELDS if cells.get(field) == "label")
    if labelled:
        raise ValueError(
            f"{', '.join(labelled)} must take 'value': the label is formatted for the running "
            "user's locale (e.g. £50,000,000, 16/01/2016), the value is plain"
        )
    return {**DEFAULT_REPORT_CELLS, **cells}
