"""`sources.payments`: bank CSV layouts and the BAI2 settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from orchestration.policy._base import PolicyModel, check_columns, check_encoding
from orchestration.policy.bai2 import Bai2Settings

PAYMENT_CSV_FIELDS = (
    "date", "amount", "credit", "debit", "currency", "payer", "reference", "bank_transaction_id",
    "account",
)

class BankCsvLayout(PolicyModel):
    """How one bank writes its CSV export; picked by the file name matching `file_pattern`."""

    name: str
    file_pattern: str = "*.csv"
    """Shell-style pattern matched against the file name, case-insensitively."""
    header_row: int = Field(1, ge=1)
    """Line of the column header; lines above it are the bank's preamble."""
    delimiter: str = Field(",", min_length=1, max_length=1)
    date_format: str = "%Y-%m-%d"
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal[",", ".", " ", "'", ""] = ","
    fallback_encoding: str = "cp1252"
    account: str | None = None
    """Statement account when the file has no account column (default: the layout's name)."""
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    """Currency when the file has no currency column."""
    columns: dict[str, str]
    """Payment field -> column label: a signed `amount`, or `credit` and `debit` columns."""

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        check_columns(columns, PAYMENT_CSV_FIELDS, ("date",))
        has_amount = "amount" in columns
        has_split = "credit" in columns and "debit" in columns
        if has_amount == has_split or ("credit" in columns) != ("debit" in columns):
            raise ValueError("map either a signed 'amount' column or both 'credit' and 'debit'")
        return columns

    @field_validator("fallback_encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        return check_encoding(name)

    @model_validator(mode="after")
    def _currency_known(self) -> BankCsvLayout:
        if self.decimal_separator == self.thousands_separator:
            raise ValueError("decimal_separator and thousands_separator must differ")
        if "currency" not in self.columns and not self.currency:
            raise ValueError("map a 'currency' column or set 'currency' for the whole file")
        return self

_DEFAULT_BANK_CSV = BankCsvLayout(
    name="default",
    columns={
        "date": "Date", "amount": "Amount", "currency": "Currency", "payer": "Payer",
        "reference": "Reference", "bank_transaction_id": "Bank Transaction ID",
    },
)

class PaymentsSource(PolicyModel):
    landing: str = "payments"
    bank_csv: list[BankCsvLayout] = [_DEFAULT_BANK_CSV]
    """Bank CSV layouts, tried in order: the first whose file_pattern matches the file is used."""
    bai2: Bai2Settings = Bai2Settings()

    @field_validator("bank_csv")
    @classmethod
    def _unique_names(cls, layouts: list[BankCsvLayout]) -> list[BankCsvLayout]:
        names = [layout.name for layout in layouts]
        if not layouts or len(set(names)) != len(names):
            raise ValueError(f"needs at least one layout, with unique names; got {names}")
        return layouts
