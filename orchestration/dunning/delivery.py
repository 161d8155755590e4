"""Approve and deliver dunning messages of every channel; each step audited and turned into
outreach events for the account timeline.

Names on the command line carry their channel: `dunning:<date>/<name>` (customer emails and
escalations), `sms:<date>/<name>`, `letter:<date>/<name>`; director emails keep their plain
`<date>/<name>`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from notifications.channels import ChannelItem, ChannelOutbox, FileGateway, Gateway
from notifications.outbox import ACCOUNT_HEADER, Outbox, OutboxError, OutboxItem, SendReport, SmtpSettings
from orchestration.dunning.drafting import AccountAudit, DunningOutboxes, OutreachEvent, events_for
from orchestration.dunning.notices import INVOICES_HEADER, NOTICE_HEADER

LABELS = ("dunning", "sms", "letter")
EventsOf = Callable[..., list[OutreachEvent]]
"""(item, kind, actor, at) -> the outreach events of one message's step."""


def split_ident(text: str) -> tuple[str | None, str]:
    """(`dunning`|`sms`|`letter`, `<date>/<name>`), or (None, text) for a director email."""
    label, sep, rest = text.partition(":")
    return (label, rest) if sep and label in LABELS else (None, text)


def _channel_outboxes(outboxes: DunningOutboxes) -> dict[str, ChannelOutbox]:
    return {"sms": outboxes.sms, "letter": outboxes.letter}


def pending_names(home: Path, day: str | None) -> list[str]:
    """Labelled names of every dunning draft (of one day)."""
    outboxes = DunningOutboxes.at(home)
    names = [f"dunning:{item.ident}" for item in outboxes.email.items("drafts", day)]
    for label, outbox in _channel_outboxes(outboxes).items():
        names.extend(f"{label}:{item.ident}" for item in outbox.items("drafts", day))
    return names


def _email_events(item: OutboxItem, kind: str, actor: str, at: dt.datetime) -> list[OutreachEvent]:
    message = item.message()
    notice = message[NOTICE_HEADER]
    if not notice:
        return []
    keys = [k for k in str(message[INVOICES_HEADER] or "").split(",") if k]
    channel = "escalation" if "-escalation-" in item.name else "email"
    return events_for(
        str(notice), str(message[ACCOUNT_HEADER]), keys, channel, kind, str(message["Subject"]), at, actor
    )


def _channel_events(item: ChannelItem, kind: str, actor: str, at: dt.datetime) -> list[OutreachEvent]:
    message = item.message()
    meta = message.meta
    return events_for(
        meta["notice_id"],
        meta["account_id"],
        meta.get("invoice_keys", []),
        message.channel,
        kind,
        message.subject,
        at,
        actor,
    )


def approve(
    home: Path, names: list[str], actor: str, audit: AccountAudit, now: dt.datetime
) -> tuple[list[str], list[OutreachEvent]]:
    """Approve labelled dunning drafts; unknown names are an error naming them."""
    outboxes = DunningOutboxes.at(home)
    by_label: dict[str, list[str]] = {}
    for name in names:
        label, ident = split_ident(name)
        if label is None:
            raise OutboxError(f"{name} is not a dunning message name")
        by_label.setdefault(label, []).append(ident)
    approved: list[str] = []
    events: list[OutreachEvent] = []
    for label, (outbox, events_of) in _outboxes_by_label(outboxes).items():
        if by_label.get(label):
            for item in outbox.approve(by_label[label], actor, audit):
                approved.append(f"{label}:{item.ident}")
                events.extend(events_of(item, "approved", actor, now))
    return approved, events


def _outboxes_by_label(outboxes: DunningOutboxes) -> dict[str, tuple[Outbox | ChannelOutbox, EventsOf]]:
    """Every dunning outbox by its label, with how its messages become outreach events."""
    return {
        "dunning": (outboxes.email, _email_events),
        "sms": (outboxes.sms, _channel_events),
        "letter": (outboxes.letter, _channel_events),
    }


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    events: list[OutreachEvent] = field(default_factory=list)

    def add(self, label: str, result: SendReport, events_of: EventsOf, actor: str, at: dt.datetime) -> None:
        """One outbox's send, its names labelled with the outbox's channel."""
        for item in result.sent:
            self.sent.append(f"{label}:{item.ident}")
            self.events.extend(events_of(item, "sent", actor, at))
        self.refused.extend((f"{label}:{i.ident}", reason) for i, reason in result.refused)
        self.uncertain.extend(f"{label}:{i.ident}" for i in result.uncertain)
        self.held.extend(f"{label}:{i.ident}" for i in result.held)


def has_approved_email(home: Path) -> bool:
    return bool(DunningOutboxes.at(home).email.items("approved"))


def gateway_for(channel: str, home: Path, environ: Mapping[str, str] | None = None) -> Gateway:
    """`LEDGERLOOP_<CHANNEL>_GATEWAY=package.module:factory` (called with the home folder), else
    the file gateway writing to `outbox/dunning/<channel>/dispatch/`."""
    env = os.environ if environ is None else environ
    spec = env.get(f"LEDGERLOOP_{channel.upper()}_GATEWAY")
    if not spec:
        return FileGateway(home / "outbox" / "dunning" / channel / "dispatch")
    module, _, factory = spec.partition(":")
    if not factory:
        raise OutboxError(
            f"LEDGERLOOP_{channel.upper()}_GATEWAY must be 'package.module:factory', got {spec!r}"
        )
    return getattr(importlib.import_module(module), factory)(home)


def send(
    home: Path,
    smtp: SmtpSettings | None,
    actor: str,
    audit: AccountAudit,
    now: dt.datetime,
    gateways: Mapping[str, Gateway] | None = None,
) -> DeliveryReport:
    """Deliver approved dunning messages whose sending window has opened: email over SMTP (when
    `smtp` is given), SMS and letters through their gateways; never one twice."""
    outboxes = DunningOutboxes.at(home)
    report = DeliveryReport()
    if smtp is not None:
        email = outboxes.email.send(smtp, actor, audit, now=now)
        report.add("dunning", email, _email_events, actor, now)
    for label, outbox in _channel_outboxes(outboxes).items():
        gateway = (gateways or {}).get(label) or gateway_for(label, home)
        result = outbox.send(gateway, actor, audit, now=now)
        report.add(label, result, _channel_events, actor, now)
    return report


def pending_channel_approved(home: Path) -> list[str]:
    """Labelled names of approved SMS and letters."""
    outboxes = DunningOutboxes.at(home)
    return [
        f"{label}:{item.ident}"
        for label, outbox in _channel_outboxes(outboxes).items()
        for item in outbox.items("approved")
    ]
