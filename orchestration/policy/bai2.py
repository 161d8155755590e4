"""The `sources.payments.bai2` section of `ledgerloop.yaml`: which BAI2 credit details are not
customer receipts, and why.

Every credit detail type code (100-399) is a receipt unless the policy lists it here under the
reason it is not one: a return or reversal gives back money the company sent or was charged, a
reject undoes a credit that never settled, and a transfer between the company's own accounts is
not a customer paying. Codes are the 2005 BAI2 specification's (Appendix A); each is written
with its name there, so a mistyped code is caught at load. Debits, balances (status codes) and
totals (summary codes) are never receipts and cannot be listed.

"""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import Field, field_validator, model_validator

from orchestration.policy._base import PolicyModel, check_encoding
from orchestration.policy.bai2_codes import specification, type_code

_DEFAULT_NOT_RECEIPTS = {
    # Money coming back for an item the company paid out or deposited, not a new payment.
    "return": (123, 168, 255, 257, 266, 268),
    # Undoes an earlier debit or posting error: the company's own money restored.
    "reversal": (252, 254, 258, 395),
    # A credit the bank rejected.
    "reject": (261,),
    # Concentration, automatic (sweep) and zero-balance transfers, disbursement funding and
    # investment sweeps move the company's own money between its accounts. Not listed, and so
    # receipts: 191 Individual Incoming Internal Money Transfer ("internal" to the bank: UK
    # Faster Payments and same-bank payments from customers arrive as 191) and 206 Book Transfer
    # Credit (from any account at the same bank, a customer's included).
    "own-account transfer": (135, 145, 201, 274, 275, 276, 277, 278, 281, 286, 347),
}


def default_not_receipts() -> dict[str, dict[str, str]]:
    """The shipped table, each code with its name in the specification."""
    return {reason: {str(code): specification()[code].name for code in codes}
            for reason, codes in _DEFAULT_NOT_RECEIPTS.items()}


def _words(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _check_code(code: str, name: str) -> None:
    """A credit detail code of the specification (or an unlisted one in 100-399), rightly named."""
    if not re.fullmatch(r"\d{3}", code):
        raise ValueError(f"{code!r}: a type code is 3 digits")
    spec = type_code(int(code))
    if not 100 <= spec.code <= 399:
        raise ValueError(f"{code}: not a credit type code (credits are 100-399; debits, balances "
                         "and bank-defined codes are never receipts)")
    if spec.level != "Detail":
        raise ValueError(f"{code}: the BAI2 specification makes {spec.label} a "
                         f"{spec.level.lower()} code, a total and never a receipt; list detail "
                         "codes only")
    if spec.name and _words(spec.name) != _words(name):
        raise ValueError(f"{code}: the BAI2 specification names it {spec.name!r}, not {name!r}; "
                         "check the code")



class Bai2Settings(PolicyModel):
    """How BAI2 files are read: the credit details that are not receipts, and the defaults."""

    not_receipts: dict[str, dict[str, str]] = Field(default_factory=default_not_receipts)
    """Reason -> {credit detail type code: its name in the specification}. The reason is
    recorded with each such transaction in `raw.payment_non_receipts`."""
    default_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    """Currency when neither the group (02) nor the account (03) record names one."""
    fallback_encoding: str = "cp1252"

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data):
        old = [k for k in ("receipt_type_codes", "excluded_type_codes") if k in (data or {})]
        if old:
            raise ValueError(f"{' and '.join(old)} became not_receipts: the credit detail codes "
                             "that are not receipts, by reason, e.g. not_receipts: {return: "
                             "{'266': Return Item}}; every other credit detail code is a receipt")
        return data

    @field_validator("not_receipts", mode="before")
    @classmethod
    def _codes_as_text(cls, table):
        """YAML reads an unquoted 266 as a number; a credit code never has a leading zero."""
        if isinstance(table, dict):
            return {reason: {str(k): v for k, v in codes.items()} if isinstance(codes, dict)
                    else codes for reason, codes in table.items()}
        return table

    @field_validator("not_receipts")
    @classmethod
    def _table(cls, table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        seen: dict[str, str] = {}
        for reason, codes in table.items():
            if not reason.strip():
                raise ValueError("a reason must be words, e.g. 'return'")
            for code, name in codes.items():
                try:
                    _check_code(code, name)
                except ValueError as exc:
                    raise ValueError(f"{reason}.{exc}") from None
                if code in seen:
                    raise ValueError(f"{reason}.{code}: already listed under {seen[code]!r}")
                seen[code] = reason
        return table

    @field_validator("fallback_encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        return check_encoding(name)

    @cached_property
    def reasons(self) -> dict[int, str]:
        """Type code -> why it is not a receipt."""
        return {int(code): reason for reason, codes in self.not_receipts.items() for code in codes}
