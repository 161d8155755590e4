"""Read, approve, edit and reject the dunning drafts of some accounts, across the channels' outboxes.

The pipeline writes customer dunning messages into `$LEDGERLOOP_HOME/outbox/dunning/<folder>/`,
one folder per channel (`notifications.channels`), indexed as it writes them
(`notifications.draft_index`). A person who may only act on some accounts (a collector in the
portal) reads here the drafts of those accounts and acts on one by its labelled name,
`<label>:<date>/<name>` (`dunning:...` for email, `sms:...`, `letter:...`), as `ledgerloop drafts`
names them. Callers check first that the draft is of an account the person may act on. Escalation
emails (to managers) are not customer dunning and are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

from notifications.channels import AccountAudit, OutboxChannel, by_label
from notifications.draft_edits import EditRefused, edited_message
from notifications.draft_index import DraftIndex
from notifications.draft_kinds import INVOICES_HEADER
from notifications.draft_rows import DunningDraft
from notifications.folder_states import FolderStates, OutboxError

__all__ = [
    "INVOICES_HEADER",
    "MAX_REASON_LENGTH",
    "DunningDraft",
    "EditRefused",
    "account_drafts",
    "approve_draft",
    "draft_parts",
    "dunning_outboxes",
    "edit_draft",
    "letter_pdf",
    "reject_draft",
]

MAX_REASON_LENGTH = 500


def dunning_outboxes(home: Path) -> dict[str, FolderStates]:
    """The dunning outboxes under `home` by label, each keeping the drafts index current."""
    return DraftIndex(home).outboxes


def account_drafts(
    home: Path, accounts: Collection[str] | None, states: Collection[str] = ("drafts",)
) -> list[DunningDraft]:
    """Customer dunning messages in `states` whose account is in `accounts` (None: every account),
    oldest day first, from the index brought in line with the folders."""
    index = DraftIndex(home)
    index.sync()
    return index.drafts(accounts, states)


def letter_pdf(home: Path, label: str) -> bytes | None:
    """The PDF of the waiting draft named `label` (a letter: `letter:<date>/<name>`), None when it is
    no waiting draft with a PDF (or it moved meanwhile). The path comes from the index, never the label."""
    index = DraftIndex(home)
    draft = index.find(label)
    if draft is None or not draft.has_pdf:
        return None
    try:
        return index.attachment_path(draft).read_bytes()
    except OSError:
        return None


def _outbox(home: Path, label: str) -> tuple[OutboxChannel, FolderStates] | None:
    """The channel and outbox of a labelled name (`<label>:<date>/<name>`), None for another name."""
    channel = by_label(label.partition(":")[0])
    return None if channel is None else (channel, dunning_outboxes(home)[channel.label])


def approve_draft(home: Path, label: str, actor: str, audit: AccountAudit) -> bool:
    """Approve one draft by its labelled name, audited by its outbox (with the account); False when
    it is no longer a draft (approved or withdrawn meanwhile), so approving twice is harmless."""
    found = _outbox(home, label)
    if found is None:
        return False
    try:
        found[1].approve([label.partition(":")[2]], actor, audit)  # type: ignore[attr-defined]
    except OutboxError:
        return False
    return True


def reject_draft(
    home: Path, label: str, actor: str, reason: str, audit: AccountAudit, now: dt.datetime
) -> bool:
    """Reject one draft with a reason: it moves to `rejected/` with who, when and why, and never goes
    out; False when it is no longer a draft. The pipeline's next runs read the rejection (the
    account's timeline, and when the step may be drafted again: `dunning.redraft_rejected_after_days`)."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"a rejection needs a reason of 1 to {MAX_REASON_LENGTH} characters")
    found = _outbox(home, label)
    if found is None:
        return False
    note = {"by": actor, "at": now.astimezone(dt.UTC).isoformat(), "reason": reason}
    return found[1].reject(label.partition(":")[2], note, audit) is not None  # type: ignore[attr-defined]


def draft_parts(home: Path, draft: DunningDraft) -> tuple[list[str], str] | None:
    """(what a person edits of a waiting draft: its text, or a letter's text before and after its
    invoice table; what stays as drafted: the letter's table), read from its file; None when it
    is no longer a draft."""
    channel = draft.outbox_channel
    item = dunning_outboxes(home)[channel.label].draft(f"{draft.day}/{draft.name}")
    if item is None:
        return None
    try:
        message = item.message()
        return channel.current_parts(message), channel.fixed_text(message)
    except (OSError, ValueError, KeyError):
        return None


def edit_draft(home: Path, draft: DunningDraft, actor: str, parts: list[str], audit: AccountAudit) -> bool:
    """Replace a waiting draft's text with a person's edit (`parts`: one text per the channel's
    `edit_parts`), so the edited text is what is approved and sent. Raises `EditRefused` with the
    reason when the text cannot be used; False when it is no longer a draft. Audited with the
    account, the lengths and a digest of both texts."""
    channel = draft.outbox_channel
    outbox = dunning_outboxes(home)[channel.label]
    item = outbox.draft(f"{draft.day}/{draft.name}")
    if item is None:
        return False
    message, before, after = edited_message(item.message(), channel, parts, actor)
    if outbox.rewrite_draft(item.ident, message) is None:  # type: ignore[attr-defined]
        return False
    audit(
        actor,
        f"{draft.channel}.edited",
        draft.recipient[:400],
        {"draft": draft.label, "before": before, "after": after},
        account_id=draft.account_id,
    )
    return True
