"""The collections policy (`ledgerloop.yaml`) as a validated, typed model.

Staff edit the YAML without code, so every error must name the key and the problem.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


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


class Office(_Model):
    code: str = Field(pattern=r"^[A-Z0-9_]{2,12}$")
    name: str
    aliases: list[str] = []


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
    report_page_column: str | None = None
    soql: str | None = None
    soql_fields: dict[str, str] = {}

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


class PaymentsSource(_Model):
    landing: str = "payments"


class Sources(_Model):
    salesforce: SalesforceSource
    tracker: TrackerSource
    payments: PaymentsSource = PaymentsSource()


class Policy(_Model):
    timezone: str
    offices: list[Office]
    aging: Aging
    sources: Sources
    stages: list[str]

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
