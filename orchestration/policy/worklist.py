"""The `worklist:` section of `ledgerloop.yaml`: the priority score's weights and what a collector
does next for each reason an account is on their list. Every setting has a default, so a policy
file without the section (or written before a reason existed) still loads.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from orchestration.policy._base import PolicyModel

WORKLIST_REASONS = (
    "promise_to_pay_broken", "broken_promise", "dispute_overdue", "promise_to_pay_due", "promise_due",
    "dispute_deadline_near", "plan_behind", "dunning_call", "open_dispute", "director_dispute",
    "unmatched_payment", "promise_to_pay_pending", "plan_on_track", "untouched", "past_due", "not_yet_due",
)
"""Why an item is on a collector's list; each names a condition computed in dbt."""

RECORD_REASONS = (
    "promise_to_pay_broken", "dispute_overdue", "promise_to_pay_due", "dispute_deadline_near",
    "plan_behind", "dunning_call", "open_dispute", "promise_to_pay_pending", "plan_on_track",
)
"""Reasons from the collectors' own records (promises to pay, disputes, payment plans): a policy
file written before they existed may leave them out and gets their default actions."""

DATED_REASONS = {
    "promise_to_pay_due": "promised_date",
    "promise_to_pay_pending": "promised_date",
    "promise_due": "promised_date",
    "plan_on_track": "next_installment_on",
}
"""Reasons whose action waits for a date the client gave: their `due_in_days` count from that
date (the promised date, the plan's next installment), not from the run's day, so the due date
stays put from one run to the next."""

DEADLINE_REASONS = ("open_dispute", "dispute_deadline_near")
"""Reasons whose due date is never later than the dispute's resolution deadline."""



class WorklistWeights(PolicyModel):
    """Points each driver adds to an account's priority score (the score is their sum)."""

    balance: Decimal = Field(default=Decimal("30"), ge=0)
    """For the largest open balance in its currency, scaled by the balance's cumulative rank
    within that currency (currency-neutral: no exchange rates)."""
    per_day_past_due: Decimal = Field(default=Decimal("0.25"), ge=0)
    days_past_due_cap: int = Field(default=120, ge=0)
    """Days past due beyond this add nothing more."""
    buckets: dict[str, Decimal] = {"1-30": Decimal("5"), "31-60": Decimal("15"),
                                   "61-90": Decimal("25"), "90+": Decimal("35")}
    """Points per aging bucket label (labels from `aging.buckets`; a missing label adds 0)."""
    per_day_untouched: Decimal = Field(default=Decimal("0.5"), ge=0)
    """Per day since the last contact with the client: a call, note, promise, dispute or plan
    logged, a director's answer, a tracker update or a message sent (not a system update)."""
    days_untouched_cap: int = Field(default=60, ge=0)
    broken_promise: Decimal = Field(default=Decimal("60"), ge=0)
    """The director's answer promised payment by a date that has passed, and not enough came."""
    promise_due: Decimal = Field(default=Decimal("20"), ge=0)
    """The director's promised payment date falls within `promise_due_within_days`."""
    director_dispute: Decimal = Field(default=Decimal("15"), ge=0)
    """The director's newest answer says the client disputes the invoice."""
    unmatched_payment: Decimal = Field(default=Decimal("10"), ge=0)
    """A payment in the exception queue whose candidate invoices are all this collector's."""
    per_day_unmatched: Decimal = Field(default=Decimal("1"), ge=0)
    """Per day the payment has waited in the exception queue."""
    days_unmatched_cap: int = Field(default=30, ge=0)
    promise_to_pay_broken: Decimal = Field(default=Decimal("250"), ge=0)
    """A collector's recorded promise to pay passed its date short of the amount: large enough to
    put the account at the top of the collector's list."""
    promise_to_pay_due: Decimal = Field(default=Decimal("25"), ge=0)
    """A recorded promise to pay falls due within `promise_due_within_days`."""
    dispute_overdue: Decimal = Field(default=Decimal("45"), ge=0)
    """An open dispute is past its resolution deadline."""
    dispute_deadline_near: Decimal = Field(default=Decimal("25"), ge=0)
    """An open dispute's resolution deadline falls within `dispute_deadline_within_days`."""
    plan_behind: Decimal = Field(default=Decimal("40"), ge=0)
    """The account's payment plan has less paid than the installments due so far."""
    dunning_call: Decimal = Field(default=Decimal("30"), ge=0)
    """The dunning sequence's call step for the invoice is due and nobody has called since."""
    payment_risk: Decimal = Field(default=Decimal("20"), ge=0)
    """For an account certain to pay its next invoice late (`marts.account_risk`), scaled by its
    risk score: an account the model flags rises before its invoices age."""


class NextAction(PolicyModel):
    """What a collector does for an account listed for `reason`, and within how many days (of the
    run's day; of the client's date for the reasons in `DATED_REASONS`)."""

    reason: Literal[WORKLIST_REASONS]  # type: ignore[valid-type]
    action: str = Field(min_length=1, max_length=200)
    due_in_days: int = Field(ge=0, le=90)


def _action(reason: str, action: str, due_in_days: int) -> NextAction:
    return NextAction(reason=reason, action=action, due_in_days=due_in_days)


DEFAULT_NEXT_ACTIONS = [
    _action("promise_to_pay_broken", "Call the client: the payment they promised you did not come", 0),
    _action("broken_promise", "Call the client: the promised payment did not come", 0),
    _action("dispute_overdue", "Resolve the dispute: its deadline has passed", 0),
    _action("promise_to_pay_due", "Check the payment the client promised you arrived", 1),
    _action("promise_due", "Check the promised payment arrived", 1),
    _action("dispute_deadline_near", "Settle the dispute before its deadline", 1),
    _action("plan_behind", "Call the client: the payment plan is behind", 1),
    _action("dunning_call", "Make the dunning call: the reminder sequence has reached its call step", 0),
    _action("open_dispute", "Work the dispute: no reminders go out while it is open", 3),
    _action("director_dispute", "Ask the director what is disputed and settle it", 2),
    _action("unmatched_payment", "Find out which invoices this payment pays and tell cash application", 1),
    _action("promise_to_pay_pending", "Wait for the promised payment, then check it arrived", 1),
    _action("plan_on_track", "Check the next plan installment arrived", 1),
    _action("untouched", "Contact the client: nobody has for too long", 1),
    _action("past_due", "Send a reminder or call the client", 3),
    _action("not_yet_due", "No action before the due date", 7),
]


class Worklist(PolicyModel):
    """Collector worklists: the priority score's weights and the next-action policy."""

    weights: WorklistWeights = WorklistWeights()
    promise_due_within_days: int = Field(default=3, ge=0, le=60)
    dispute_deadline_within_days: int = Field(default=3, ge=0, le=60)
    """An open dispute whose resolution deadline is this close is `dispute_deadline_near`."""
    coverage_gap_days: int = Field(default=14, ge=1)
    """A past-due account nobody contacted for this many days is a coverage gap (and `untouched`)."""
    reassign_load_ratio: Decimal = Field(default=Decimal("1.5"), gt=1)
    """A collector with more than this times the team's mean open items gets a reassignment hint."""
    page_items: int = Field(default=50, ge=1, le=1000)
    """The phone page shows a collector's first this many accounts; CSV and XLSX hold them all."""
    export_workers: int = Field(default=2, ge=1, le=32)
    """Processes the day's worklist files are written in, when the lists to write are long."""
    next_actions: list[NextAction] = DEFAULT_NEXT_ACTIONS
    """In order of precedence: an account's reason is the first that holds for any of its items."""

    @field_validator("next_actions")
    @classmethod
    def _every_reason_once(cls, actions: list[NextAction]) -> list[NextAction]:
        actions = _with_record_reasons(actions)
        reasons = [a.reason for a in actions]
        missing = [r for r in WORKLIST_REASONS if r not in reasons]
        duplicated = sorted({r for r in reasons if reasons.count(r) > 1})
        if missing or duplicated:
            raise ValueError(
                f"every reason needs exactly one action; missing {missing}, duplicated {duplicated}"
            )
        return actions


def _with_record_reasons(actions: list[NextAction]) -> list[NextAction]:
    """`actions` with the default action of each record reason it leaves out, placed before the
    first listed reason that the defaults rank after it."""
    defaults = {a.reason: a for a in DEFAULT_NEXT_ACTIONS}
    order = {reason: i for i, reason in enumerate(WORKLIST_REASONS)}
    result = list(actions)
    for reason in RECORD_REASONS:
        if any(a.reason == reason for a in result):
            continue
        at = next((i for i, a in enumerate(result) if order[a.reason] > order[reason]), len(result))
        result.insert(at, defaults[reason])
    return result
