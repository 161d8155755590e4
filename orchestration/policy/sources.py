"""`sources:`: each inbound source's landing folder, locale and column mapping, and how landing
files are taken (`intake`)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from orchestration.policy._base import PolicyModel, check_columns
from orchestration.policy.history import HistorySource
from orchestration.policy.locale import Locale
from orchestration.policy.payments import PaymentsSource
from orchestration.policy.report_cells import DEFAULT_REPORT_CELLS, CellPart, check_report_cells

SALESFORCE_REQUIRED = (
    "invoice_number", "office", "account_name", "invoice_date", "due_date", "amount", "balance",
)

SALESFORCE_FIELDS = SALESFORCE_REQUIRED + (
    "account_id", "project", "project_director", "director_email", "collector", "currency",
    "stage", "last_modified_at", "document_url",
)

TRACKER_REQUIRED = ("office", "invoice_number")

TRACKER_FIELDS = TRACKER_REQUIRED + (
    "account_name", "amount", "due_date", "stage", "notes", "updated_at", "updated_by",
)

class SalesforceApi(PolicyModel):
    report_id: str | None = None
    report_columns: dict[str, str] = {}
    report_cells: dict[str, CellPart] = Field(default_factory=lambda: dict(DEFAULT_REPORT_CELLS))
    report_page_column: str | None = None
    soql: str | None = None
    soql_fields: dict[str, str] = {}

    @field_validator("report_cells")
    @classmethod
    def _cells(cls, cells: dict[str, CellPart]) -> dict[str, CellPart]:
        return check_report_cells(cells, SALESFORCE_FIELDS)

    @model_validator(mode="after")
    def _mappings_complete(self) -> SalesforceApi:
        if self.report_id:
            check_columns(self.report_columns, SALESFORCE_FIELDS, SALESFORCE_REQUIRED)
        if self.soql:
            check_columns(self.soql_fields, SALESFORCE_FIELDS, SALESFORCE_REQUIRED)
        return self

class SalesforceSource(PolicyModel):
    landing: str = "salesforce"
    locale: Locale = Locale()
    columns: dict[str, str]
    api: SalesforceApi = SalesforceApi()

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        return check_columns(columns, SALESFORCE_FIELDS, SALESFORCE_REQUIRED)

class TrackerSource(PolicyModel):
    landing: str = "tracker"
    locale: Locale = Locale()
    sheet: str | None = None
    columns: dict[str, str]

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        return check_columns(columns, TRACKER_FIELDS, TRACKER_REQUIRED)

class Intake(PolicyModel):
    """How landing files are taken and when a source's load is too bad to build on."""

    settle_seconds: float = Field(default=2.0, ge=0, le=600)
    """A file is read only once its size and modification time have not changed this long."""
    max_quarantined_share: float = Field(default=0.2, ge=0, le=1)
    """A source whose files in one run quarantine more than this share of their rows fails a
    blocking check (a systematic problem, such as an office the policy does not list yet)."""

class Sources(PolicyModel):
    intake: Intake = Intake()
    salesforce: SalesforceSource
    tracker: TrackerSource
    payments: PaymentsSource = PaymentsSource()
    history: HistorySource | None = None
    """An invoice-history export from another system (`landing/history/`); none by default."""
