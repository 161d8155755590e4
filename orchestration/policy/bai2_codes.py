"""BAI2 type codes as the specification defines them, and which detail records are receipts.

A 16 record's type code says what it is: a balance (status codes, 0xx), a total (summary codes
such as 100 Total Credits or 110 Total Lockbox Deposits), or one transaction (detail codes), a
credit (100-399) or a debit (400-699). Only a credit detail is a customer receipt, less the
credit details the policy lists as returns, reversals, rejects and transfers between the
company's own accounts (`sources.payments.bai2.not_receipts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CATALOGUE = Path(__file__).with_name("bai2_type_codes.txt")


@dataclass(frozen=True, slots=True)
class TypeCode:
    code: int
    direction: str
    """CR (credit), DB (debit) or NA (neither)."""
    level: str
    """Status (a balance), Summary (a total) or Detail (one transaction)."""
    name: str

    @property
    def label(self) -> str:
        return f"{self.code:03d} ({self.name})" if self.name else f"{self.code:03d}"


@cache
def specification() -> dict[int, TypeCode]:
    """Every code Appendix A of the 2005 specification lists, by code."""
    codes = {}
    for line in _CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, direction, level, name = line.split(" ", 3)
            codes[int(code)] = TypeCode(int(code), direction, level, name)
    return codes


def type_code(code: int) -> TypeCode:
    """The specification's entry, or what its type-code ranges say of an unlisted code."""
    listed = specification().get(code)
    if listed:
        return listed
    if code < 100 or 900 <= code <= 919:
        return TypeCode(code, "NA", "Status", "")
    if code <= 399 or 920 <= code <= 959:
        return TypeCode(code, "CR", "Detail", "")
    if code <= 699 or code >= 960:
        return TypeCode(code, "DB", "Detail", "")
    return TypeCode(code, "NA", "Detail", "")


def not_a_receipt(spec: TypeCode, not_receipts: Mapping[int, str]) -> str | None:
    """Why a 16 record with this type code is not a customer receipt; None when it is one."""
    code = spec.code
    if spec.level == "Status":
        return f"status code {spec.label}: a balance, not a transaction"
    if spec.level == "Summary":
        return f"summary code {spec.label}: a total, not a transaction"
    if spec.direction == "DB":
        return "debit"
    if code == 890:
        return "non-monetary"
    if not 100 <= code <= 399:
        kind = "loan account" if 700 <= code <= 799 else "bank-defined"
        return f"{kind} type code {code:03d}, not a customer payment"
    return not_receipts.get(code)
