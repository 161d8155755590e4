"""`offices:` and `aging:`: where invoices belong and how their age is bucketed."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from orchestration.policy._base import PolicyModel

INVOICE_DISPLAY = re.compile(
    r"^(?P<prefix>[^{}]*)\{number(?::0(?P<width>[1-9][0-9]?))?\}(?P<suffix>[^{}]*)$"
)
"""`INV-{number:08}`: text around the normalized invoice number, zero-padded to a width."""

class Office(PolicyModel):
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

class AgingBucket(PolicyModel):
    label: str
    max_days: int | None = None

class Aging(PolicyModel):
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
