"""`portal:`: which jobs a director is asked about, the answers they can give and what each means."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator

from orchestration.policy._base import PolicyModel


class NeedsAnswer(PolicyModel):
    """Which open invoices a director is asked about: every rule must hold."""

    stages: list[str]
    """Collections stages that wait on the director (empty: any stage)."""
    min_days_past_due: int = 0
    min_balance: Decimal = Field(default=Decimal("0.01"), ge=0, decimal_places=2)
    """In the invoice's own currency."""

class PortalStatus(PolicyModel):
    """An answer a director can give, and the collections stage it moves the invoice to."""

    label: str = Field(min_length=1, max_length=80)
    stage: str

class Portal(PolicyModel):
    """The director portal and its outreach emails (SMTP settings live in the environment)."""

    needs_answer: NeedsAnswer = NeedsAnswer(stages=[])
    statuses: list[PortalStatus] = [PortalStatus(label="Payment on its way", stage="Promised")]
    question: str = "When will this invoice be paid, and is anything in the way?"
    """What the collector asks, unless `questions` has one for the invoice's stage."""
    questions: dict[str, str] = {}
    """Question per collections stage."""
    answer_stands_days: int = Field(default=14, ge=1, le=366)
    """A director's answer stands this many days: their jobs page shows it (with a way to change
    it) instead of asking again; after that the collector's question is open again."""

    @field_validator("statuses")
    @classmethod
    def _unique_labels(cls, statuses: list[PortalStatus]) -> list[PortalStatus]:
        if not statuses:
            raise ValueError("at least one status is needed")
        labels = [s.label for s in statuses]
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels must be unique, got {labels}")
        return statuses

    def question_for(self, stage: str | None) -> str:
        return self.questions.get(stage or "", self.question)
