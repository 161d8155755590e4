"""The `statements:` section of `ledgerloop.yaml`: who customer statements come from and how
customers pay. Every setting has a default, so a policy file without the section still loads.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestration.policy._base import PolicyModel


class Statements(PolicyModel):
    """Customer statements (`ledgerloop statement ACCOUNT`, the monthly `exports/statements`)."""

    sender_name: str = Field(default="Accounts Receivable", min_length=1, max_length=120)
    """The name statements are signed and sent with (first line of the letterhead)."""
    sender_lines: list[str] = []
    """The sender's address under its name, one line each."""
    payment_instructions: str = Field(
        default="Please pay the open balance in each currency by bank transfer, quoting the invoice "
        "numbers with your payment. If you have already paid, thank you: please disregard the "
        "invoices concerned.",
        min_length=1,
    )
    """How to pay, shown on every statement."""
    remit_to: dict[str, str] = {}
    """Office code -> where to send the money (bank, account, address; line breaks kept)."""
    default_remit_to: str = ""
    """Remit-to text for an office that has none in `remit_to`."""
    contact: str = ""
    """Who to ask about the statement (a line at its end)."""
    monthly_pdf: Literal["all", "past_due"] = "all"
    """The monthly batch writes HTML for every account with an open balance, and a PDF for
    every such account (`all`) or only those with something past due (`past_due`)."""
    workers: int = Field(default=2, ge=1, le=32)
    """Processes the monthly batch renders in."""

    def remit_to_for(self, office: str | None) -> str:
        return self.remit_to.get(office or "", self.default_remit_to)

    def unknown_offices(self, codes: list[str]) -> list[str]:
        """Offices named in `remit_to` that the policy does not know."""
        return sorted(set(self.remit_to) - set(codes))
