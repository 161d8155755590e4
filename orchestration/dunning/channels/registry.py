"""The pipeline's half of each dunning channel: how a notice of it is drafted.

The channel itself (its templates, folder, reading, editing and delivery) is registered in
`notifications.channels`; here its drafter registers against it by name, with what only the
pipeline needs: which channel goes first when the contact cap allows one more touch, what a
customer's contact must hold for it, how a notice is rendered and written, and what the dry run
(`ledgerloop dunning preview`) says of it. The planning, drafting and preview code asks
`drafter(notice.channel)` and never names a channel.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from notifications.channels import DunningChannel, OutboxChannel, channel
from notifications.folder_states import FolderStates
from orchestration.dunning.model import Contact, Notice
from orchestration.policy import Policy
from orchestration.policy.dunning import Dunning

Clean = Callable[[object], str]
"""Makes a text safe for one terminal line (`orchestration.cli.support.one_line`)."""


@dataclass(frozen=True)
class Drafted:
    """What a drafted notice records of itself in `outreach.dunning_notices`."""

    label: str
    """`<label>:<date>/<name>` as `ledgerloop drafts` names it, or `call:<notice id>` for a task."""
    recipient: str | None
    subject: str


@dataclass
class DraftDesk:
    """Where one run drafts: the policy, the day, every channel's outbox (by label) and the tasks
    it adds to the collectors' worklists (rows of `outreach.dunning_call_tasks`)."""

    policy: Policy
    as_of: dt.date
    outboxes: Mapping[str, FolderStates]
    tasks: list[dict] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.as_of.isoformat()

    def outbox(self, of: OutboxChannel) -> Any:
        return self.outboxes[of.label]


class Drafter(ABC):
    """Drafts the notices of one registered channel."""

    channel: DunningChannel
    weight: int = 0
    """When two notices compete for the last touch the contact cap allows, the heavier goes first."""

    def address_problem(self, contact: Contact) -> str | None:
        """Why a notice of this channel cannot reach the contact (the held reason), else None."""
        return None

    @abstractmethod
    def draft(self, notice: Notice, name: str, desk: DraftDesk) -> Drafted:
        """Write the notice (its draft under `name`, or a task) and say what was written."""

    @abstractmethod
    def preview(self, notice: Notice, dunning: Dunning, as_of: dt.date, clean: Clean) -> str:
        """One line of what the notice would be (`to ...: "subject"`), rendered but not written."""


class OutboxDrafter(Drafter):
    """A channel whose notice is a message written as a draft in the channel's outbox."""

    channel: OutboxChannel

    @abstractmethod
    def render(self, notice: Notice, dunning: Dunning, as_of: dt.date) -> Any:
        """The notice's message."""

    @abstractmethod
    def recorded(self, notice: Notice, message: Any) -> tuple[str | None, str]:
        """(recipient, subject) as `outreach.dunning_notices` keeps them."""

    def draft(self, notice: Notice, name: str, desk: DraftDesk) -> Drafted:
        message = self.render(notice, desk.policy.dunning, desk.as_of)
        desk.outbox(self.channel).write_draft(desk.day, name, message)
        recipient, subject = self.recorded(notice, message)
        return Drafted(f"{self.channel.label}:{desk.day}/{name}", recipient, subject)


_DRAFTERS: dict[str, Drafter] = {}


def register(new: Drafter) -> Drafter:
    """Add the drafter of a channel registered in `notifications.channels` (an error otherwise, or
    when the channel has one already)."""
    if channel(new.channel.name) is not new.channel:
        raise ValueError(f"dunning channel {new.channel.name!r} is not the one registered by that name")
    if new.channel.name in _DRAFTERS:
        raise ValueError(f"dunning channel {new.channel.name!r} has a drafter already")
    _DRAFTERS[new.channel.name] = new
    return new


def unregister(name: str) -> None:
    """Forget a channel's drafter (a test's own, once the test is done)."""
    _DRAFTERS.pop(name, None)


def drafter(name: str) -> Drafter:
    """The drafter of the channel `name`; ValueError when the channel has none."""
    found = _DRAFTERS.get(name)
    if found is None:
        raise ValueError(f"dunning channel {name!r} has no drafter; channels with one: {sorted(_DRAFTERS)}")
    return found
