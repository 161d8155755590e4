"""What each file writer reports back, so the truth says exactly what the files contain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileCount:
    """An inbound invoice file and how many of its rows must load or be quarantined."""

    source: str
    source_file: str
    rows_read: int
    rows_quarantined: int

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


@dataclass(frozen=True)
class Rejected:
    """A row the pipeline must quarantine (row 1 is the header), and the field at fault."""

    source: str
    source_file: str
    row_number: int
    field: str


@dataclass(frozen=True)
class Receipt:
    """One distinct incoming payment; `tx_index` tells apart transactions of one camt entry."""

    bank_transaction_id: str
    tx_index: int
    received_on: str
    amount: str
    currency: str
    payer: str
    reference: str
    structured_reference: str
    source_file: str
    scenario: str


@dataclass(frozen=True)
class Application:
    """Money from one receipt that belongs on one invoice."""

    bank_transaction_id: str
    tx_index: int
    invoice_key: str
    applied_amount: str


@dataclass(frozen=True)
class NonPayment:
    """A statement line that is not a receipt (a debit, a reversal or the credit it reversed)."""

    bank_transaction_id: str
    amount: str
    currency: str
    source_file: str
    reason: str
