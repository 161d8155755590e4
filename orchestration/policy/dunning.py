"""The `dunning:` section of `ledgerloop.yaml`: who is reminded, how, when, and when a manager steps in.

Staff change timings, templates and segments here without code; every error names the key
(`dunning.segments.0.steps.2.channel: ...`) and an invalid policy stops the run before anything
is drafted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache, cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from notifications.channels import channel, channels
from orchestration.policy._base import PolicyModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _known_channel(name: str) -> str:
    """`name` if a dunning channel of that name is registered (`notifications.channels`)."""
    known = [c.name for c in channels()]
    if name not in known:
        expected = " or ".join(filter(None, [", ".join(map(repr, known[:-1])), repr(known[-1])]))
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})
    return name


ChannelName = Annotated[str, AfterValidator(_known_channel)]
"""A registered dunning channel: email, sms, letter, call_task (and any channel registered since)."""


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'Europe/London')") from None
    return name



class SendingWindow(PolicyModel):
    """Local hours in the customer's time zone when a notice may go out."""

    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)

    @model_validator(mode="after")
    def _sensible(self) -> SendingWindow:
        if not self.days:
            raise ValueError("days: at least one weekday is needed")
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class Step(PolicyModel):
    """One touch of a sequence: `offset_days` after the due date (negative: before it)."""

    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")
    offset_days: int = Field(ge=-60, le=730)
    channel: ChannelName
    template: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$")
    """A template under notifications/templates/<channel>/dunning/ (none for a channel without
    templates: a call task)."""
    tone: Literal["friendly", "firm", "final"] = "friendly"
    task: str = Field(default="Call the customer about the overdue invoices", max_length=300)
    """What the collector does, for call tasks."""

    @field_validator("template")
    @classmethod
    def _template_exists(cls, name: str | None, info: ValidationInfo) -> str | None:
        step_channel = info.data.get("channel")
        if step_channel is None or not channel(step_channel).template_files:
            return name
        if name is None:
            raise ValueError(f"a {step_channel} step needs a template")
        return channel(step_channel).check_template(name)


class SegmentMatch(PolicyModel):
    """Conditions an account must meet (all of them); an empty match takes every account."""

    min_balance: Decimal | None = Field(default=None, ge=0)
    """The account's open balance in its largest currency."""
    max_balance: Decimal | None = Field(default=None, ge=0)
    risk_bands: list[Literal["low", "medium", "high"]] | None = None
    """From marts.account_risk; an account without a risk row does not match a risk condition."""
    min_risk_score: float | None = Field(default=None, ge=0, le=1)
    max_risk_score: float | None = Field(default=None, ge=0, le=1)
    min_tenure_days: int | None = Field(default=None, ge=0)
    """Days since the account's first invoice."""
    max_tenure_days: int | None = Field(default=None, ge=0)
    min_disputes: int | None = Field(default=None, ge=0)
    """Disputes the account ever raised (marts.disputes)."""
    max_disputes: int | None = Field(default=None, ge=0)
    customer_types: list[str] | None = None
    """From outreach.account_contacts.customer_type."""


class Segment(PolicyModel):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")
    match: SegmentMatch = SegmentMatch()
    steps: list[Step]

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Each step's `offset_days`, in order (increasing)."""
        return tuple(step.offset_days for step in self.steps)

    @field_validator("steps")
    @classmethod
    def _ordered(cls, steps: list[Step]) -> list[Step]:
        if not steps:
            raise ValueError("at least one step is needed")
        offsets = [s.offset_days for s in steps]
        if offsets != sorted(set(offsets)):
            raise ValueError(f"offset_days must increase strictly from step to step, got {offsets}")
        names = [s.name for s in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique, got {names}")
        return steps


class ContactCap(PolicyModel):
    """At most `max_touches` contacts with an account within any `days` days, across every
    channel and team (dunning notices, call tasks, director emails, logged collector calls)."""

    max_touches: int = Field(default=1, ge=1, le=20)
    days: int = Field(default=7, ge=1, le=90)


class Suppression(PolicyModel):
    """What stops automatic reminders while it stands."""

    open_dispute: bool = True
    pending_promise: bool = True
    kept_promise: bool = True
    on_track_plan: bool = True


class StageMeanings(PolicyModel):
    """What the team's own collections stages mean for reminders. An invoice whose stage (the
    ledger's: the newest tracker row or director answer, else Salesforce's) is listed gets no
    automatic reminder while the stage stands, like a dispute or promise logged in the workbench.
    Matched ignoring case and repeated spaces; every name must be one of the policy's `stages`."""

    disputed: list[str] = ["Disputed"]
    promised: list[str] = ["Promised"]

    @model_validator(mode="after")
    def _one_meaning_each(self) -> StageMeanings:
        both = {stage_key(s) for s in self.disputed} & {stage_key(s) for s in self.promised}
        if both:
            raise ValueError(f"stage(s) {sorted(both)} cannot mean both disputed and promised")
        return self

    def meaning(self, stage: str | None) -> str | None:
        """`disputed`, `promised` or None for a stage as the ledger spells it."""
        return _meaning(tuple(self.disputed), tuple(self.promised), stage or "")

    def unknown(self, stages: list[str]) -> list[str]:
        """The mapped stages that are not among `stages` (the policy's list)."""
        known = {stage_key(s) for s in stages}
        return sorted(s for s in [*self.disputed, *self.promised] if stage_key(s) not in known)


def stage_key(stage: str) -> str:
    return " ".join(stage.split()).casefold()


@cache
def _meaning(disputed: tuple[str, ...], promised: tuple[str, ...], stage: str) -> str | None:
    """Worked out once per mapping and stage spelling: it is asked once per open invoice."""
    key = stage_key(stage)
    if key in {stage_key(s) for s in disputed}:
        return "disputed"
    return "promised" if key in {stage_key(s) for s in promised} else None


class CashFirst(PolicyModel):
    """Cash before dunning: nobody is chased for money that arrived this morning."""

    payment_files_expected: dt.time | None = dt.time(7, 0)
    """Local time (policy `timezone`) from which the day's payment files arrive. Until a payment
    file has been loaded after it on the run's day (on other days: on the last bank day before it),
    every notice and escalation waits, with the reason. null: no such wait. Never waited for
    where no payment file was ever loaded (there is no bank feed to wait for)."""
    bank_days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    """Days the bank delivers payment files."""
    unapplied_cash: bool = True
    """Hold a customer's notices while cash of theirs is not yet applied: a queued payment whose
    candidates are their invoices, the rest of a payment applied to them in part, or a payment
    whose payer is written exactly like their account name."""

    @field_validator("bank_days")
    @classmethod
    def _some_days(cls, days: list[str]) -> list[str]:
        if not days:
            raise ValueError("at least one bank day is needed")
        return days


class Escalation(PolicyModel):
    """When an account goes to a manager (policy.team.managers_of(office)) instead of a reminder."""

    days_past_due: int | None = Field(default=60, ge=1)
    """An open invoice this far past due, and no response since the last touch ..."""
    no_response_days: int = Field(default=7, ge=0)
    """... for at least this many days since the last contact actually made (a message sent, a call
    logged; drafts never sent are not contact). A response is a payment, a call that reached the
    client, a reply logged as a note, a promise, dispute or plan, or a director's answer, on or
    after the last contact. null days_past_due turns the rule off."""
    broken_promise: bool = True
    template: str = "escalation"

    @field_validator("template")
    @classmethod
    def _template_exists(cls, name: str) -> str:
        return channel("email").check_template(name)  # an escalation is an email to a manager


class Sender(PolicyModel):
    """Who notices come from."""

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    """Where notices come from and replies go; unset: the default sender's, else
    `LEDGERLOOP_MAIL_FROM` (there is no built-in address: mail from `@localhost` is junk)."""
    name: str = Field(default="Accounts Receivable", min_length=1, max_length=80)
    sms_sender: str = Field(default="Accounts", min_length=1, max_length=11)
    """Alphanumeric SMS sender id (at most 11 characters)."""
    letter_lines: list[str] = ["Accounts Receivable"]
    """Sender block of letters (company, street, city)."""
    phone: str | None = None
    """How customers reach the team, shown in notices."""


class PaymentTerms(PolicyModel):
    default_days: int = Field(default=30, ge=0, le=365)
    by_customer_type: dict[str, int] = {}

    def days_for(self, customer_type: str | None) -> int:
        return self.by_customer_type.get(customer_type or "", self.default_days)


class Dunning(PolicyModel):
    """Reminder sequences per segment; nothing is sent without a person's approval."""

    payment_terms: PaymentTerms = PaymentTerms()
    office_timezones: dict[str, str] = {}
    """Default customer time zone per office code (else the policy's `timezone`); an account's
    own time zone (outreach.account_contacts) wins."""
    sending_window: SendingWindow = SendingWindow()
    channel_windows: dict[ChannelName, SendingWindow] = {}
    senders: Sender = Sender()
    office_senders: dict[str, Sender] = {}
    contact_cap: ContactCap = ContactCap()
    daily_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    """At most this many new notices a day (call tasks included), the most pressing accounts first;
    the others wait, held as `daily_limit`, for a later run's room. A first run over a large
    backlog then fills the queue with what people can approve, not every account at once.
    null: no limit."""
    suppress: Suppression = Suppression()
    escalation: Escalation = Escalation()
    redraft_rejected_after_days: int | None = Field(default=1, ge=1, le=365)
    """A notice a person rejected is drafted afresh (if still due) this many days after the
    rejection, never on its day; null: never (the rejected step counts as done)."""
    stage_meanings: StageMeanings = StageMeanings()
    cash_first: CashFirst = CashFirst()
    segments: list[Segment] = []
    """Tried in order: an account follows the first segment it matches."""

    @field_validator("office_timezones")
    @classmethod
    def _known_timezones(cls, zones: dict[str, str]) -> dict[str, str]:
        for office, name in zones.items():
            try:
                _timezone(name)
            except ValueError as exc:
                raise ValueError(f"{office}: {exc}") from None
        return zones

    @field_validator("segments")
    @classmethod
    def _unique_segments(cls, segments: list[Segment]) -> list[Segment]:
        names = [s.name for s in segments]
        if len(set(names)) != len(names):
            raise ValueError(f"segment names must be unique, got {names}")
        return segments

    def window(self, channel: str) -> SendingWindow:
        return self.channel_windows.get(channel, self.sending_window)  # type: ignore[call-overload]

    def sender(self, office: str | None) -> Sender:
        """The office's sender, else the default one; its address falls back to the default's."""
        chosen = self.office_senders.get(office or "", self.senders)
        email = chosen.email or self.senders.email
        if not email:
            raise ValueError(
                "no sender address for notices: set dunning.senders.email in ledgerloop.yaml "
                "or LEDGERLOOP_MAIL_FROM"
            )
        return chosen if chosen.email else chosen.model_copy(update={"email": email})

    def with_mail_from(self, address: str | None) -> Dunning:
        """This policy with `address` (`LEDGERLOOP_MAIL_FROM`) as the default sender's address where
        the policy names none; resolved once where a run or command starts."""
        if self.senders.email or not address:
            return self
        try:
            senders = Sender.model_validate({**self.senders.model_dump(), "email": address.strip()})
        except ValueError:
            raise ValueError(f"LEDGERLOOP_MAIL_FROM={address!r} is not one email address") from None
        return self.model_copy(update={"senders": senders})

    def check_offices(self, codes: list[str]) -> None:
        """Raise ValueError naming office keys the policy does not know."""
        for key in ("office_timezones", "office_senders"):
            unknown = sorted(set(getattr(self, key)) - set(codes))
            if unknown:
                raise ValueError(f"{key}: unknown office(s) {unknown}; known: {codes}")
