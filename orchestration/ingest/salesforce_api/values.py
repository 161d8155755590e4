"""Canonical CSV text for ledger fields read from the Reports API or SOQL.

Both APIs hand back JSON scalars (floats, ISO strings, null) and the Reports API money as
`{amount, currency}`; the file ingest expects the same canonical text whichever API produced
them, so every value goes through `canonical`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from orchestration.ingest.salesforce_api.errors import SalesforceExtractError
from orchestration.policy.report_cells import DATE_FIELDS, MONEY_FIELDS, TIMESTAMP_FIELDS

CENT = Decimal("0.01")


def canonical(field: str, value: object) -> str | None:
    """The text the extract CSV carries for `value` in ledger `field` (None for null)."""
    currency = None
    if isinstance(value, dict) and "amount" in value:  # a Reports API currency value
        currency, value = value.get("currency"), value["amount"]
    if value is None or value == "":
        return None
    if field in MONEY_FIELDS:
        cents = format(_decimal(field, value).quantize(CENT, rounding=ROUND_HALF_UP), "f")
        # A multi-currency org's amount keeps its ISO code, as its export writes it, so the
        # file ingest checks it against the Currency column.
        return f"{currency} {cents}" if currency else cents
    if field in DATE_FIELDS:
        return _moment(field, value).date().isoformat()
    if field in TIMESTAMP_FIELDS:
        # A report and its export show timestamps to the minute; the APIs add seconds, which
        # would make an extract's ledger rows differ from the export's of the same report.
        return _moment(field, value).replace(second=0, microsecond=0).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    return _text(field, value)


def _decimal(field: str, value: object) -> Decimal:
    """Exact decimal of a JSON number: `str` first, so 0.1 stays 0.1 and not its float error."""
    if isinstance(value, bool):
        raise SalesforceExtractError(f"{field}: {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SalesforceExtractError(f"{field}: {value!r} is not a plain number") from None
    if not number.is_finite():
        raise SalesforceExtractError(f"{field}: {value!r} is not a finite number")
    return number


def _moment(field: str, value: object) -> datetime:
    """An aware UTC datetime from an ISO date or timestamp; the APIs write naive ones in UTC."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        message = f"{field}: {value!r} is not an ISO date or timestamp"
        raise SalesforceExtractError(message) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text(field: str, value: object) -> str:
    """Strings as they are; numbers without float artefacts or trailing zeros (123.0 -> 123)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return format(_decimal(field, value).normalize(), "f")
    raise SalesforceExtractError(
        f"{field}: {value!r} is not a single value; map it to a scalar column or field"
    )
