"""The collections policy (`ledgerloop.yaml`) as a validated, typed model.

Staff edit the YAML without code, so every error must name the key and the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orchestration.config_bai2 import Bai2Settings
from orchestration.config_dunning import Dunning
from orchestration.config_report_cells import DEFAULT_REPORT_CELLS, CellPart, check_report_cells
from orchestration.config_risk import Risk
from orchestration.config_statements import Statements
from orchestration.config_team import Team, TeamMember
from orchestration.config_worklist import (
    RECORD_REASONS,
    WORKLIST_REASONS,
    NextAction,
    Worklist,
    WorklistWeights,
)

# The `worklist:` and `team:` sections live in their own modules; these names stay importable here.
__all__ = ["RECORD_REASONS", "WORKLIST_REASONS", "NextAction", "Team", "TeamMember", "Worklist",
           "WorklistWeights"]


class PolicyError(ValueError):
    """`ledgerloop.yaml` is missing, unreadable or invalid; the message names the key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like 'America/New_York')"
        ) from None
    return name


INVOICE_DISPLAY = re.compile(
    r"^(?P<prefix>[^{}]*)\{number(?::0(?P<width>[1-9][0-9]?))?\}(?P<suffix>[^{}]*)$"
)
"""`INV-{number:08}`: text around the normalized invoice number, zero-padded to a width."""


class Office(_Model):
    code: str = Field(pattern=r"^[A-Z0-9_]{2,12}$")
    name: str
    aliases: list[str] = []
    invoice_display: str = "{number}"
    """How the office writes its invoice numbers on every page, file and message people read:
    the normalized number (no prefix, no leading zeros) in `{number}`, or zero-padded to a width
    with `{number:08}`, with any text around it (`INV-{number:08}` -> `INV-00200123`)."""

    @field_validator("invoice_display")
    @classmethod
    def _display_has_the_number(cls, display: str) -> str:
        if INVOICE_DISPLAY.match(display) is None:
            raise ValueError(
                f"{display!r} must hold {{number}} or {{number:0N}} (N a width) once, "
                "e.g. 'INV-{number:08}'"
            )
        return display

    def invoice_display_parts(self) -> dict:
        """The display format as dbt reads it: prefix, zero-padded width (0: none) and suffix."""
        parts = INVOICE_DISPLAY.match(self.invoice_display)
        return {"prefix": parts["prefix"], "width": int(parts["width"] or 0), "suffix": parts["suffix"]}


class AgingBucket(_Model):
    label: str
    max_days: int | None = None


class Aging(_Model):
    buckets: list[AgingBucket]

    @field_validator("buckets")
    @classmethod
    def _ordered_with_open_end(cls, buckets: list[AgingBucket]) -> list[AgingBucket]:
        if len(buckets) < 2:
            raise ValueError("needs at least two buckets")
        bounded = buckets[:-1]
        if any(b.max_days is None for b in bounded) or buckets[-1].max_days is not None:
            raise ValueError("every bucket but the last needs max_days; the last has none")
        limits = [b.max_days for b in bounded]
        if limits != sorted(set(limits)):
            raise ValueError(f"max_days must increase strictly, got {limits}")
        labels = [b.label for b in buckets]
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels must be unique, got {labels}")
        return buckets


class Locale(_Model):
    """How a source writes dates and numbers."""

    date_order: Literal["MDY", "DMY", "YMD"] = "MDY"
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal[",", ".", " ", "'", ""] = ","
    timezone: str = "UTC"
    fallback_encoding: str = "cp1252"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        return _check_timezone(name)

    @model_validator(mode="after")
    def _separators_differ(self) -> Locale:
        if self.decimal_separator == self.thousands_separator:
            raise ValueError("decimal_separator and thousands_separator must differ")
        return self

    @field_validator("fallback_encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        import codecs

        try:
            codecs.lookup(name)
        except LookupError:
            raise ValueError(f"unknown encoding {name!r}") from None
        return name


SALESFORCE_REQUIRED = (
    "invoice_number", "office", "account_name", "invoice_date", "due_date", "amount", "balance",
)
SALESFORCE_FIELDS = SALESFORCE_REQUIRED + (
    "account_id", "project", "project_director", "director_email", "collector", "currency",
    "stage", "last_modified_at",
)
TRACKER_REQUIRED = ("office", "invoice_number")
TRACKER_FIELDS = TRACKER_REQUIRED + (
    "account_name", "amount", "due_date", "stage", "notes", "updated_at", "updated_by",
)


def _check_columns(columns: dict[str, str], known: tuple[str, ...], required: tuple[str, ...]):
    unknown = sorted(set(columns) - set(known))
    if unknown:
        raise ValueError(f"unknown ledger field(s) {unknown}; known: {list(known)}")
    missing = [f for f in required if f not in columns]
    if missing:
        raise ValueError(f"required ledger field(s) {missing} have no column")
    labels = list(columns.values())
    if len(set(labels)) != len(labels):
        raise ValueError("two ledger fields map to the same column")
    return columns


class SalesforceApi(_Model):
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
            _check_columns(self.report_columns, SALESFORCE_FIELDS, SALESFORCE_REQUIRED)
        if self.soql:
            _check_columns(self.soql_fields, SALESFORCE_FIELDS, SALESFORCE_REQUIRED)
        return self


class SalesforceSource(_Model):
    landing: str = "salesforce"
    locale: Locale = Locale()
    columns: dict[str, str]
    api: SalesforceApi = SalesforceApi()

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        return _check_columns(columns, SALESFORCE_FIELDS, SALESFORCE_REQUIRED)


class TrackerSource(_Model):
    landing: str = "tracker"
    locale: Locale = Locale()
    sheet: str | None = None
    columns: dict[str, str]

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        return _check_columns(columns, TRACKER_FIELDS, TRACKER_REQUIRED)


def _check_encoding(name: str) -> str:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    return name


PAYMENT_CSV_FIELDS = (
    "date", "amount", "credit", "debit", "currency", "payer", "reference", "bank_transaction_id",
    "account",
)


class BankCsvLayout(_Model):
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
        _check_columns(columns, PAYMENT_CSV_FIELDS, ("date",))
        has_amount = "amount" in columns
        has_split = "credit" in columns and "debit" in columns
        if has_amount == has_split or ("credit" in columns) != ("debit" in columns):
            raise ValueError("map either a signed 'amount' column or both 'credit' and 'debit'")
        return columns

    @field_validator("fallback_encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        return _check_encoding(name)

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


class PaymentsSource(_Model):
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


from orchestration.config_history import HistorySource  # noqa: E402  (needs Locale, above)


class Intake(_Model):
    """How landing files are taken and when a source's load is too bad to build on."""

    settle_seconds: float = Field(default=2.0, ge=0, le=600)
    """A file is read only once its size and modification time have not changed this long."""
    max_quarantined_share: float = Field(default=0.2, ge=0, le=1)
    """A source whose files in one run quarantine more than this share of their rows fails a
    blocking check (a systematic problem, such as an office the policy does not list yet)."""


class Sources(_Model):
    intake: Intake = Intake()
    salesforce: SalesforceSource
    tracker: TrackerSource
    payments: PaymentsSource = PaymentsSource()
    history: HistorySource | None = None
    """An invoice-history export from another system (`landing/history/`); none by default."""


class NeedsAnswer(_Model):
    """Which open invoices a director is asked about: every rule must hold."""

    stages: list[str]
    """Collections stages that wait on the director (empty: any stage)."""
    min_days_past_due: int = 0
    min_balance: Decimal = Field(default=Decimal("0.01"), ge=0, decimal_places=2)
    """In the invoice's own currency."""


class PortalStatus(_Model):
    """An answer a director can give, and the collections stage it moves the invoice to."""

    label: str = Field(min_length=1, max_length=80)
    stage: str


class Portal(_Model):
    """The director portal and its outreach emails (SMTP settings live in the environment)."""

    needs_answer: NeedsAnswer = NeedsAnswer(stages=[])
    statuses: list[PortalStatus] = [PortalStatus(label="Payment on its way", stage="Promised")]
    question: str = "When will this invoice be paid, and is anything in the way?"
    """What the collector asks, unless `questions` has one for the invoice's stage."""
    questions: dict[str, str] = {}
    """Question per collections stage."""
    answer_stands_days: int = Field(default=14, ge=1, le=366)
    """A director's answer stands this many days: their jobs page shows it (with a way to change
    it) instead of asking again; after that the collector's question is open again."""

    @field_validator("statuses")
    @classmethod
    def _unique_labels(cls, statuses: list[PortalStatus]) -> list[PortalStatus]:
        if not statuses:
            raise ValueError("at least one status is needed")
        labels = [s.label for s in statuses]
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels must be unique, got {labels}")
        return statuses

    def question_for(self, stage: str | None) -> str:
        return self.questions.get(stage or "", self.question)


class ShortPayTolerance(_Model):
    """How far below an invoice's open balance a referenced payment may fall and still settle
    it: both limits must hold; the difference is flagged as a write-off candidate."""

    amount: Decimal = Field(default=Decimal("5.00"), ge=0, decimal_places=2)
    """At most this much, in the invoice's currency."""
    percent: Decimal = Field(default=Decimal("0.5"), ge=0, le=100)
    """And at most this percentage of the open balance."""


class Matching(_Model):
    """Cash application: how payments are placed on open invoices (rules run in dbt)."""

    short_pay_tolerance: ShortPayTolerance = ShortPayTolerance()
    payer_max_open_invoices: int = Field(default=20, ge=1, le=60)
    """A payment with no reference is matched by amount only against a payer with at most this
    many open invoices (the subset search is bounded)."""
    payer_max_subset_size: int = Field(default=3, ge=1, le=5)
    """At most this many invoices in one combination that sums to a payment."""
    payer_prefix_min_length: int = Field(default=30, ge=10)
    """Banks cut payer names (35 characters in SWIFT fields): a payer name at least this long
    that is the start of exactly one account's name resolves to that account."""


class Kpis(_Model):
    """Collections KPIs (`marts.collections_kpis`): how far DSO counts back and the CEI period."""

    countback_months: int = Field(default=12, ge=1, le=36)
    """DSO countback walks back through at most this many invoice months (the current month to
    date counts as the first); AR beyond their credit sales caps DSO at their days."""
    cei_period_days: int = Field(default=30, ge=1, le=366)
    """The collection effectiveness index covers the days ending at the as-of date: beginning
    receivables are those of the as-of date this many days earlier."""




class Schedules(_Model):
    """When the people-facing lists are made, beyond the refresh every 15 minutes."""

    daily_at: dt.time = dt.time(7, 0)
    """Local time (policy `timezone`) of the daily run that makes the day's worklists, workload
    view and alerts, even when the 15-minute refresh is switched off."""


class Policy(_Model):
    timezone: str
    offices: list[Office]
    aging: Aging
    sources: Sources
    stages: list[str]
    portal: Portal = Portal()
    matching: Matching = Matching()
    kpis: Kpis = Kpis()
    worklist: Worklist = Worklist()
    team: Team = Team()
    schedules: Schedules = Schedules()
    dunning: Dunning = Dunning()
    risk: Risk = Risk()
    statements: Statements = Statements()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        return _check_timezone(name)

    @field_validator("offices")
    @classmethod
    def _unique_offices(cls, offices: list[Office]) -> list[Office]:
        if not offices:
            raise ValueError("at least one office is needed")
        seen: dict[str, str] = {}
        for office in offices:
            for spelling in (office.code, office.name, *office.aliases):
                key = spelling.casefold().strip()
                if seen.setdefault(key, office.code) != office.code:
                    raise ValueError(f"{spelling!r} names both {seen[key]} and {office.code}")
        return offices

    @field_validator("portal")
    @classmethod
    def _portal_stages_known(cls, portal: Portal, info: ValidationInfo) -> Portal:
        known = info.data.get("stages")
        if known is None:  # `stages` itself is invalid and reported
            return portal
        named = {
            "needs_answer.stages": portal.needs_answer.stages,
            "statuses": [s.stage for s in portal.statuses],
            "questions": list(portal.questions),
        }
        for key, stages in named.items():
            unknown = sorted(set(stages) - set(known))
            if unknown:
                raise ValueError(f"{key}: unknown stage(s) {unknown}; known: {known}")
        return portal

    @field_validator("worklist")
    @classmethod
    def _worklist_buckets_known(cls, worklist: Worklist, info: ValidationInfo) -> Worklist:
        aging = info.data.get("aging")
        if aging is None:  # `aging` itself is invalid and reported
            return worklist
        labels = [b.label for b in aging.buckets]
        unknown = sorted(set(worklist.weights.buckets) - set(labels))
        if unknown:
            raise ValueError(f"weights.buckets: unknown aging bucket(s) {unknown}; known: {labels}")
        return worklist

    @field_validator("team")
    @classmethod
    def _team_offices_known(cls, team: Team, info: ValidationInfo) -> Team:
        offices = info.data.get("offices")
        if offices is None:  # `offices` itself is invalid and reported
            return team
        codes = [o.code for o in offices]
        for role in ("collectors", "managers"):
            unknown = sorted({m.office for m in getattr(team, role) if m.office and m.office not in codes})
            if unknown:
                raise ValueError(f"{role}: unknown office(s) {unknown}; known: {codes}")
        return team

    @field_validator("dunning")
    @classmethod
    def _dunning_offices_known(cls, dunning: Dunning, info: ValidationInfo) -> Dunning:
        offices = info.data.get("offices")
        if offices is not None:  # `offices` itself is invalid and reported
            dunning.check_offices([o.code for o in offices])
        stages = info.data.get("stages")
        if stages is not None:
            unknown = dunning.stage_meanings.unknown(stages)
            if unknown:
                raise ValueError(f"stage_meanings: unknown stage(s) {unknown}; known: {stages}")
        return dunning

    @cached_property
    def office_spellings(self) -> list[tuple[str, str]]:
        """(casefolded spelling, office code) pairs, for resolving what sources write."""
        return sorted(
            {(s.casefold().strip(), o.code) for o in self.offices for s in (o.code, o.name, *o.aliases)}
        )

    def dbt_vars(self) -> dict:
        """The part of the policy that the dbt models read, passed as `--vars`."""
        return {
            "aging_buckets": [b.model_dump() for b in self.aging.buckets],
            "portal_status_stages": [s.model_dump() for s in self.portal.statuses],
            "matching": self.matching.model_dump(mode="json"),
            "kpis": self.kpis.model_dump(mode="json"),
            "worklist": self.worklist.model_dump(mode="json"),
            "risk": self.risk.model_dump(mode="json"),
            "timezone": self.timezone,
            "team": self.team.model_dump(mode="json"),
            "invoice_display": {o.code: o.invoice_display_parts() for o in self.offices},
        }


def _format_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: invalid policy"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


def load_policy(path: Path) -> Policy:
    """Read and validate `ledgerloop.yaml`; raise PolicyError naming each bad key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: expected a mapping of settings at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format_error(path, exc)) from None
