"""`matching:`: how cash application places payments (the rules run in dbt)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from orchestration.policy._base import PolicyModel


class ShortPayTolerance(PolicyModel):
    """How far below an invoice's open balance a referenced payment may fall and still settle
    it: both limits must hold; the difference is flagged as a write-off candidate."""

    amount: Decimal = Field(default=Decimal("5.00"), ge=0, decimal_places=2)
    """At most this much, in the invoice's currency."""
    percent: Decimal = Field(default=Decimal("0.5"), ge=0, le=100)
    """And at most this percentage of the open balance."""

class Matching(PolicyModel):
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
