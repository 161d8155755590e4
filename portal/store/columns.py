"""The column types of the portal store: exact money, UTC timestamps, row ids that fit both
databases, and the clock that stamps writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer, String, TypeDecorator

# Row ids: BIGINT (BIGSERIAL) on PostgreSQL so any id the portal accepts in a URL can be compared;
# plain INTEGER on SQLite, which is already 64-bit and must stay the rowid alias for AUTOINCREMENT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class Money(TypeDecorator):
    """Decimal stored as exact text (never float), so SQLite and PostgreSQL keep every cent."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        return str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator):
    """Timestamps kept in UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """When a write happened (audit lines, link changes, schema versions)."""
    return dt.datetime.now(dt.UTC)


def money_checked(row, money_fields: tuple[str, ...]) -> dict:
    """The dataclass `row` as a dict for insert; money must be Decimal (never float)."""
    for name in money_fields:
        value = getattr(row, name)
        if value is not None and not isinstance(value, Decimal):
            raise TypeError(f"{type(row).__name__}: {name} must be a Decimal, got {type(value).__name__}")
    return {name: getattr(row, name) for name in row.__dataclass_fields__}
