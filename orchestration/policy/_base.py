"""What every section of the policy shares: the frozen model, the error type, the checks that name
the key and the problem."""

from __future__ import annotations

import codecs
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict


class PolicyError(ValueError):
    """`ledgerloop.yaml` is missing, unreadable or invalid; the message names the key."""


class PolicyModel(BaseModel):
    """A section of the policy: unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like 'America/New_York')"
        ) from None
    return name


def check_encoding(name: str) -> str:
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    return name


def check_columns(columns: dict[str, str], known: tuple[str, ...], required: tuple[str, ...]):
    """A source's ledger field -> column mapping: known fields, every required one, no column twice."""
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
