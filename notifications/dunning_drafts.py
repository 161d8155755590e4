"""Read and approve the dunning drafts of some accounts, across the three dunning outboxes.

The pipeline writes customer dunning messages into `$LEDGERLOOP_HOME/outbox/dunning/{email,sms,letter}/`
(`notifications.outbox` and `notifications.channels`). A person who may only act on some accounts
(a collector in the portal) reads here the drafts of those accounts and approves one by its labelled
name, `dunning:<date>/<name>`, `sms:<date>/<name>` or `letter:<date>/<name>`, as `ledgerloop drafts`
names them. Escalation emails (to managers) are not customer dunning and are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from notifications.channels import ChannelItem, ChannelOutbox
from notifications.folder_states import STATES, FolderStates, OutboxError, StoredItem
from notifications.outbox import ACCOUNT_HEADER, SEND_AFTER_HEADER, Outbox, OutboxItem

INVOICES_HEADER = "X-Ledgerloop-Invoices"
"""The invoice keys a dunning email covers, comma-separated (as orchestration/dunning writes it)."""
CHANNELS = {"dunning": "email", "sms": "sms", "letter": "letter"}
"""Label of a dunning outbox -> its channel."""
AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, account_id=...): the portal store's `audit`."""


@dataclass(frozen=True)
class DunningDraft:
    """One customer dunning message as a person reviews it."""

    label: str
    """`dunning:<date>/<name>`, `sms:<date>/<name>` or `letter:<date>/<name>`."""
    state: str
    channel: str
    account_id: str
    recipient: str
    subject: str
    send_after: dt.datetime | None
    invoice_keys: tuple[str, ...]
    text: str
    """The email's text part, the SMS text or the letter's text."""
    segments: int | None = None
    encoding: str | None = None
    has_pdf: bool = False


def dunning_outboxes(home: Path) -> dict[str, FolderStates]:
    """The dunning outboxes under `home` by label (the same folders orchestration/dunning writes)."""
    root = home / "outbox" / "dunning"
    return {
        "dunning": Outbox(root / "email"),
        "sms": ChannelOutbox(root / "sms", "sms"),
        "letter": ChannelOutbox(root / "letter", "letter"),
    }


def _when(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _email_draft(state: str, item: OutboxItem) -> DunningDraft | None:
    if "-escalation-" in item.name:  # to a manager, not to the customer
        return None
    message = item.message()
    account = message[ACCOUNT_HEADER]
    if not account:
        return None
    body = message.get_body(preferencelist=("plain",))
    to = message["To"]
    addresses = getattr(to, "addresses", ()) if to is not None else ()
    return DunningDraft(
        label=f"dunning:{item.ident}",
        state=state,
        channel="email",
        account_id=str(account),
        recipient=str(addresses[0].addr_spec) if addresses else str(to or ""),
        subject=str(message["Subject"] or ""),
        send_after=_when(message[SEND_AFTER_HEADER]),
        invoice_keys=tuple(k for k in str(message[INVOICES_HEADER] or "").split(",") if k),
        text=body.get_content() if body is not None else "",
    )


def _channel_draft(label: str, state: str, item: ChannelItem) -> DunningDraft | None:
    message = item.message()
    meta = message.meta
    if not meta.get("account_id"):
        return None
    return DunningDraft(
        label=f"{label}:{item.ident}",
        state=state,
        channel=message.channel,
        account_id=str(meta["account_id"]),
        recipient=message.recipient,
        subject=message.subject,
        send_after=_when(meta.get("send_after")),
        invoice_keys=tuple(str(k) for k in meta.get("invoice_keys", [])),
        text=message.body,
        segments=meta.get("segments"),
        encoding=meta.get("encoding"),
        has_pdf=message.attachment is not None,
    )


def _read(label: str, state: str, item: StoredItem) -> DunningDraft | None:
    if label == "dunning":
        return _email_draft(state, item)  # type: ignore[arg-type]
    return _channel_draft(label, state, item)  # type: ignore[arg-type]


def account_drafts(
    home: Path, accounts: Collection[str] | None, states: Collection[str] = ("drafts",)
) -> list[DunningDraft]:
    """Customer dunning messages in `states` whose account is in `accounts` (None: every account),
    oldest day first, email then SMS then letters."""
    found = []
    for label, outbox in dunning_outboxes(home).items():
        for state in (s for s in STATES if s in states):
            for item in outbox.items(state):
                try:
                    draft = _read(label, state, item)
                except (OSError, ValueError, KeyError):  # moved meanwhile or unreadable: not reviewable
                    continue
                if draft is not None and (accounts is None or draft.account_id in accounts):
                    found.append(draft)
    return sorted(found, key=lambda d: (d.label.partition(":")[2], d.label))


def letter_pdf(home: Path, label: str) -> bytes | None:
    """The PDF of the letter draft named `label` (`letter:<date>/<name>`), None when it is not a
    waiting letter draft. Callers check first that the draft is one the person may see."""
    channel, _, ident = label.partition(":")
    if channel != "letter":
        return None
    outbox = dunning_outboxes(home)["letter"]
    for item in outbox.items("drafts"):
        if item.ident == ident:
            try:
                return item.message().attachment
            except OSError:
                return None
    return None


def approve_draft(home: Path, label: str, actor: str, audit: AccountAudit) -> bool:
    """Approve one draft by its labelled name, audited by its outbox (with the account); False when
    it is no longer a draft (approved or withdrawn meanwhile), so approving twice is harmless."""
    channel, _, ident = label.partition(":")
    outbox = dunning_outboxes(home).get(channel)
    if outbox is None:
        return False
    try:
        outbox.approve([ident], actor, audit)  # type: ignore[attr-defined]
    except OutboxError:
        return False
    return True
