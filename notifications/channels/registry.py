"""The dunning channels: one registered object per channel owns what differs between them.

A channel (email, SMS, letter, call task) says which template files a step of it needs, and, when
its messages wait for approval in a folder, where that folder is under `outbox/dunning/`, how one
of its drafts is read (for the drafts index and `ledgerloop drafts list`), what a person may edit
of it and how the edit is made, and how it is delivered. The index, the drafts pages, `ledgerloop
drafts` and the policy ask the registry and never name a channel; the pipeline's drafting half of
each channel (`orchestration.dunning.channels`) registers against these by name.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notifications.channels.message_folder import AccountAudit
from notifications.folder_states import FolderStates, SendReport, StateWatcher, StoredItem
from notifications.render import TEMPLATES_DIR

if TYPE_CHECKING:
    from notifications.channels.message_folder import Gateway
    from notifications.outbox import SmtpSettings


def dunning_root(home: Path) -> Path:
    """`$LEDGERLOOP_HOME/outbox/dunning/`: every channel's folder, the drafts index and the events a
    command left for the next run; apart from the director emails in `outbox/`, whose daily refresh
    withdraws that day's drafts it did not write."""
    return home / "outbox" / "dunning"


@dataclass(frozen=True)
class About:
    """What a drafted notice is about, read from its message: for the account's timeline and for
    withdrawing a draft whose invoices were paid or put on hold meanwhile."""

    notice_id: str
    account_id: str
    invoice_keys: tuple[str, ...]
    channel: str
    """As the timeline records it: the channel's name, or `escalation` for an email to a manager."""
    subject: str
    to_customer: bool = True
    """False for an escalation (to a manager): never withdrawn with the customer's notices."""


@dataclass(frozen=True)
class Delivery:
    """How approved messages leave: SMTP for email (None: emails wait for a send that has it), and
    a gateway per channel label where one is given, else the channel's own (`gateway_from_env`)."""

    home: Path
    smtp: SmtpSettings | None = None
    gateways: Mapping[str, Gateway] = field(default_factory=dict)


class DunningChannel:
    """A channel a dunning step may name (`dunning.segments[].steps[].channel`)."""

    name: str
    """As the policy's steps and `outreach.dunning_notices.channel` name it."""
    title: str
    """As a person reads it (`SMS`)."""
    template_files: tuple[str, ...] = ()
    """The files a template name must have under `notifications/templates/<name>/dunning/`, by
    suffix; none: the channel's steps need no template."""
    sent_as: str | None = None
    """How a message of it sent reads among an account's contacts (`SMS sent`); None: it is no
    message that is sent (a call task: the call the collector logs is the contact)."""

    @property
    def kind(self) -> str:
        """Its drafts' kind in `ledgerloop drafts list --json`."""
        return f"dunning_{self.name}"

    def check_template(self, template: str) -> str:
        """`template` if every file of it exists, else ValueError listing the known ones."""
        folder = TEMPLATES_DIR / self.name / "dunning"
        missing = [
            f"{template}.{suffix}"
            for suffix in self.template_files
            if not (folder / f"{template}.{suffix}").is_file()
        ]
        if missing:
            names = {p.name.split(".")[0] for p in folder.glob("*.jinja2") if not p.name.startswith("_")}
            known = sorted(names)
            raise ValueError(f"no {self.name} template {template!r} (missing {missing}); known: {known}")
        return template


class OutboxChannel(DunningChannel, ABC):
    """A channel whose messages wait for approval in their own folder under `outbox/dunning/`."""

    label: str
    """Its drafts' names carry it: `<label>:<date>/<name>` (`ledgerloop drafts`, the drafts pages)."""
    folder: str
    """Its folder under `outbox/dunning/`."""
    uses_smtp: bool = False
    """Delivered over SMTP (`LEDGERLOOP_SMTP_*`), not through a gateway."""
    edit_parts: tuple[str, ...] = ("text",)
    """What a person edits, by the edit form's field names."""
    edit_note: str = ""
    """What the edit form says saving does."""

    def root(self, home: Path) -> Path:
        return dunning_root(home) / self.folder

    @abstractmethod
    def outbox(self, home: Path, watcher: StateWatcher | None = None) -> FolderStates:
        """Its outbox under `home`, telling `watcher` (the drafts index) of every change."""

    @abstractmethod
    def index_row(self, item: StoredItem) -> dict[str, Any]:
        """The drafts index's columns of one entry (`notifications.draft_rows.COLUMNS`, but the
        rejection), read from its file."""

    @abstractmethod
    def catalog_facts(self, item: StoredItem, *, with_links: bool = True) -> dict[str, Any]:
        """kind, recipient, subject, account_ids, invoice_keys, link_urls (none without
        `with_links`) and to, for the catalog."""

    @abstractmethod
    def about(self, item: StoredItem) -> About | None:
        """The notice an entry is; None when it is none (an email written by hand)."""

    @abstractmethod
    def current_parts(self, message: Any) -> list[str]:
        """What a person edits of a message, one text per `edit_parts`."""

    def fixed_text(self, message: Any) -> str:
        """What an edit leaves as drafted, shown beside the parts (a letter's invoice table)."""
        return ""

    @abstractmethod
    def edited(self, message: Any, parts: list[str], actor: str) -> Any:
        """The message with a person's cleaned `parts`; `EditRefused` when they cannot be used."""

    @abstractmethod
    def send(
        self, outbox: FolderStates, delivery: Delivery, actor: str, audit: AccountAudit, now: dt.datetime
    ) -> SendReport | None:
        """Deliver its approved messages whose time has come, each once; None when `delivery`
        cannot carry them now (email without SMTP settings)."""


_CHANNELS: dict[str, DunningChannel] = {}


def register(channel: DunningChannel) -> DunningChannel:
    """Add a channel: from now on the policy accepts it and everything that lists, reads, edits or
    sends dunning messages knows it. A name or label already taken is an error."""
    if channel.name in _CHANNELS:
        raise ValueError(f"a dunning channel named {channel.name!r} is already registered")
    if isinstance(channel, OutboxChannel):
        others = outbox_channels()
        if channel.label in {c.label for c in others} or channel.folder in {c.folder for c in others}:
            raise ValueError(f"the label or folder of dunning channel {channel.name!r} is already taken")
    _CHANNELS[channel.name] = channel
    return channel


def unregister(name: str) -> None:
    """Forget a channel (a test's own, once the test is done)."""
    _CHANNELS.pop(name, None)


def channels() -> tuple[DunningChannel, ...]:
    """Every channel, in the order they were registered (the order listings show them in)."""
    return tuple(_CHANNELS.values())


def channel(name: str) -> DunningChannel:
    """The channel of this name; ValueError naming the known ones."""
    found = _CHANNELS.get(name)
    if found is None:
        raise ValueError(f"unknown dunning channel {name!r}; known: {list(_CHANNELS)}")
    return found


def outbox_channels() -> tuple[OutboxChannel, ...]:
    """The channels whose messages wait in a folder, in registration order."""
    return tuple(c for c in _CHANNELS.values() if isinstance(c, OutboxChannel))


def by_label(label: str) -> OutboxChannel | None:
    """The channel whose drafts carry `label`, if any."""
    return next((c for c in outbox_channels() if c.label == label), None)
