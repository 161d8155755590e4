"""Approve and deliver dunning messages of every channel; each step audited and turned into
outreach events for the account timeline.

Names on the command line carry their channel's label: `dunning:<date>/<name>` (customer emails
and escalations), `sms:<date>/<name>`, `letter:<date>/<name>`; director emails keep their plain
`<date>/<name>`. How a channel's messages leave is the channel's (`notifications.channels`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from notifications.channels import Delivery, OutboxChannel, by_label, outbox_channels
from notifications.channels.message_folder import Gateway
from notifications.dunning_drafts import dunning_outboxes
from notifications.folder_states import StoredItem
from notifications.outbox import OutboxError, SendReport, SmtpSettings
from orchestration.dunning.events import OutreachEvent, events_for

AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, *, account_id=None)."""


def split_ident(text: str) -> tuple[str | None, str]:
    """(a dunning channel's label, `<date>/<name>`), or (None, text) for a director email."""
    label, sep, rest = text.partition(":")
    return (label, rest) if sep and by_label(label) is not None else (None, text)


def pending_names(home: Path, day: str | None) -> list[str]:
    """Labelled names of every dunning draft (of one day)."""
    return [
        f"{label}:{item.ident}"
        for label, outbox in dunning_outboxes(home).items()
        for item in outbox.items("drafts", day)
    ]


def _events(
    channel: OutboxChannel, item: StoredItem, kind: str, actor: str, at: dt.datetime
) -> list[OutreachEvent]:
    """The outreach events of one message's step (none for a message that is no notice)."""
    about = channel.about(item)
    if about is None:
        return []
    return events_for(
        about.notice_id, about.account_id, about.invoice_keys, about.channel, kind, about.subject, at, actor
    )


def approve(
    home: Path, names: list[str], actor: str, audit: AccountAudit, now: dt.datetime
) -> tuple[list[str], list[OutreachEvent]]:
    """Approve labelled dunning drafts; unknown names are an error naming them."""
    idents_by_label: dict[str, list[str]] = {}
    for name in names:
        label, ident = split_ident(name)
        if label is None:
            raise OutboxError(f"{name} is not a dunning message name")
        idents_by_label.setdefault(label, []).append(ident)
    outboxes = dunning_outboxes(home)
    approved: list[str] = []
    events: list[OutreachEvent] = []
    for channel in outbox_channels():
        idents = idents_by_label.get(channel.label)
        if not idents:
            continue
        for item in outboxes[channel.label].approve(idents, actor, audit):  # type: ignore[attr-defined]
            approved.append(f"{channel.label}:{item.ident}")
            events.extend(_events(channel, item, "approved", actor, now))
    return approved, events


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    events: list[OutreachEvent] = field(default_factory=list)

    def add(self, channel: OutboxChannel, result: SendReport, actor: str, at: dt.datetime) -> None:
        """One outbox's send, its names labelled with the channel's label."""
        label = channel.label
        for item in result.sent:
            self.sent.append(f"{label}:{item.ident}")
            self.events.extend(_events(channel, item, "sent", actor, at))
        self.refused.extend((f"{label}:{i.ident}", reason) for i, reason in result.refused)
        self.uncertain.extend(f"{label}:{i.ident}" for i in result.uncertain)
        self.held.extend(f"{label}:{i.ident}" for i in result.held)


def approved_names(home: Path, *, smtp: bool) -> list[str]:
    """Labelled names of approved dunning messages delivered over SMTP (`smtp`), or through a
    gateway (not `smtp`)."""
    outboxes = dunning_outboxes(home)
    return [
        f"{channel.label}:{item.ident}"
        for channel in outbox_channels()
        if channel.uses_smtp == smtp
        for item in outboxes[channel.label].items("approved")
    ]


def send(
    home: Path,
    smtp: SmtpSettings | None,
    actor: str,
    audit: AccountAudit,
    now: dt.datetime,
    gateways: Mapping[str, Gateway] | None = None,
) -> DeliveryReport:
    """Deliver approved dunning messages whose sending window has opened: email over SMTP (when
    `smtp` is given), the others through their gateways (by label in `gateways`, else each
    channel's own); never one twice."""
    delivery = Delivery(home, smtp, gateways or {})
    outboxes = dunning_outboxes(home)
    report = DeliveryReport()
    for channel in outbox_channels():
        result = channel.send(outboxes[channel.label], delivery, actor, audit, now)
        if result is not None:
            report.add(channel, result, actor, now)
    return report
