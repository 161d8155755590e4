"""The `sources.history` section of `ledgerloop.yaml`: an invoice-history export from another system.

Risk features, the backtest and the monthly KPIs read settled invoices; a team that kept its
history in another system (an ERP, the public IBM accounts-receivable sample with columns
`customerID, invoiceNumber, InvoiceDate, DueDate, InvoiceAmount, Disputed, SettledDate`) drops
that export in `landing/history/` and maps its columns here. Currency and office may be a column
or one value for the whole export. Every error names the key.

"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from orchestration.policy._base import PolicyModel, check_columns
from orchestration.policy.locale import Locale

HISTORY_REQUIRED = ("account_id", "invoice_number", "invoice_date", "due_date", "amount")
HISTORY_FIELDS = HISTORY_REQUIRED + ("currency", "is_disputed", "settled_on", "office")

IBM_SAMPLE_COLUMNS = {
    "account_id": "customerID",
    "invoice_number": "invoiceNumber",
    "invoice_date": "InvoiceDate",
    "due_date": "DueDate",
    "amount": "InvoiceAmount",
    "is_disputed": "Disputed",
    "settled_on": "SettledDate",
}
"""The columns of the IBM accounts-receivable sample: the default mapping."""

TRUE_WORDS = ("yes", "y", "true", "t", "1")
FALSE_WORDS = ("no", "n", "false", "f", "0")
"""How exports write `Disputed` (compared case-insensitively); an empty cell means not disputed."""


class HistorySource(PolicyModel):
    """An invoice-history export (CSV or spreadsheet) mapped to ledger fields."""

    landing: str = "history"
    """Folder under `landing/` the exports are dropped in."""
    locale: Locale = Locale(date_order="YMD")
    """How the export writes dates and amounts (ISO dates are always understood)."""
    sheet: str | None = None
    """Sheet of a spreadsheet export (default: the first)."""
    columns: dict[str, str] = IBM_SAMPLE_COLUMNS
    """Ledger field -> column label. Required: account_id, invoice_number, invoice_date,
    due_date, amount; optional: currency, is_disputed, settled_on (empty while open), office."""
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    """Currency of every row when the export has no currency column."""
    office: str | None = None
    """Office (code, name or alias from `offices`) of every row when the export has no office column."""

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        return check_columns(columns, HISTORY_FIELDS, HISTORY_REQUIRED)

    @model_validator(mode="after")
    def _currency_and_office(self) -> HistorySource:
        for field in ("currency", "office"):
            mapped, fixed = field in self.columns, getattr(self, field) is not None
            if mapped == fixed:
                raise ValueError(
                    f"map a '{field}' column or set '{field}' for the whole export (exactly one of them)"
                )
        return self
