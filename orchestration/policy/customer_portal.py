"""The `customer_portal:` section of `ledgerloop.yaml`: what a customer may tell us at the
customer door and what it means. Every setting has a default, so a policy file without the
section still loads."""

from __future__ import annotations

from pydantic import Field, field_validator

from orchestration.policy._base import PolicyModel


class CustomerPortal(PolicyModel):
    """The customer door (a contact's signed link in every dunning notice and statement)."""

    dispute_reasons: list[str] = [
        "Goods or services not received",
        "Wrong amount or rate",
        "Already paid",
        "Duplicate invoice",
        "Quality or scope issue",
        "Other",
    ]
    """The reasons a customer picks from when disputing an invoice."""
    dispute_resolution_days: int = Field(default=30, ge=1, le=366)
    """A customer's dispute is to be settled within this many days (its deadline in `disputes`)."""
    pay_now: dict[str, str] = {}
    """Office code -> a payment provider's hosted checkout address, with `{amount}`, `{currency}`,
    `{invoice}` (the number as the office writes it) and `{account}` filled in per invoice
    (URL-encoded), e.g. `https://pay.example.com/checkout?amount={amount}&ref={invoice}`. The
    customer pays there: no card data ever touches ledgerloop. An office without one: no button."""

    @field_validator("pay_now")
    @classmethod
    def _pay_now(cls, templates: dict[str, str]) -> dict[str, str]:
        for office, template in templates.items():
            if not template.startswith("https://"):
                raise ValueError(f"{office}: a pay-now address must start with https://, got {template!r}")
            try:
                template.format(amount="1", currency="USD", invoice="1", account="1")
            except (KeyError, IndexError, ValueError) as error:
                raise ValueError(
                    f"{office}: {template!r} may only use {{amount}}, {{currency}}, {{invoice}}, {{account}} "
                    f"({error})"
                ) from None
        return templates

    @field_validator("dispute_reasons")
    @classmethod
    def _reasons(cls, reasons: list[str]) -> list[str]:
        cleaned = [r.strip() for r in reasons]
        if not cleaned or any(not r or len(r) > 100 for r in cleaned):
            raise ValueError("list at least one reason, each 1 to 100 characters")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError(f"reasons must be unique, got {cleaned}")
        return cleaned

    def published(self) -> dict:
        """What the portal needs of it (published with each customer account)."""
        return {
            "dispute_reasons": self.dispute_reasons,
            "dispute_resolution_days": self.dispute_resolution_days,
            "pay_now": self.pay_now,
        }
