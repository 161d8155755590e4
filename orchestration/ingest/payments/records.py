"""The one shape every payment-file parser produces, whatever the format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class Transaction:
    """One booked line of a statement: a receipt, or (with `reason`) something that is not."""

    row_number: int
    """Line of the record (CSV, BAI2) or position of the transaction in the file (camt)."""
    account: str
    booked_on: dt.date
    cents: int
    """Signed amount in minor units: credits positive, debits negative."""
    currency: str
    payer: str | None = None
    reference: str | None = None
    """All remittance text, structured references first, joined by a space."""
    bank_ref: str | None = None
    """The bank's own reference printed for this line (Bank Transaction ID, AcctSvcrRef ...)."""
    ref_identifies: bool = True
    """Whether `bank_ref` names this transaction alone (false for a camt batch's shared ref)."""
    tx_index: int = 1
    code: str | None = None
    """BAI2 type code or camt bank transaction code."""
    reason: str | None = None
    """None for a receipt; else why it is not one (debit, reversal, reversed credit, return ...)."""
    reverses: str | None = None
    """For a reversal: the bank reference of the credit it cancels."""
    payment_id: str | None = None

    @property
    def is_receipt(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line that could not be read: quarantined with its row, field and reason."""

    row_number: int
    field: str | None
    reason: str
    raw_record: dict


@dataclass
class ParsedFile:
    """Everything one file holds; every entry is a transaction or a rejected line."""

    format: str  # bank_csv | bai2 | camt053 | camt054
    transactions: list[Transaction] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    created_at: dt.datetime | None = None
    encoding: str = "utf-8"

    @property
    def receipts(self) -> list[Transaction]:
        return [t for t in self.transactions if t.reason is None]

    @property
    def non_receipts(self) -> list[Transaction]:
        return [t for t in self.transactions if t.reason is not None]


def cents_text(cents: int) -> str:
    """`-1234.56` from -123456: exact, for DECIMAL(18,2) casts."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
