"""How a source writes dates, numbers and text (shared by every inbound source)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from orchestration.policy._base import PolicyModel, check_timezone


class Locale(PolicyModel):
    """How a source writes dates and numbers."""

    date_order: Literal["MDY", "DMY", "YMD"] = "MDY"
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal[",", ".", " ", "'", ""] = ","
    timezone: str = "UTC"
    fallback_encoding: str = "cp1252"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        return check_timezone(name)

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
