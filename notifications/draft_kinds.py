"""What kind of message a draft is, and what it is about, from the message itself.

Several writers share one outbox folder (director and alert emails both wait in
`outbox/drafts/<date>/`), so each writer stamps its messages with `X-Ledgerloop-Kind` and acts
only on drafts of its own kind: no writer may withdraw another's drafts. Drafts written before the
header existed are recognised by their file names.
"""

from __future__ import annotations

from email.message import EmailMessage

KIND_HEADER = "X-Ledgerloop-Kind"
ACCOUNTS_HEADER = "X-Ledgerloop-Accounts"
"""Customer account ids a message is about, comma-separated (director and alert emails)."""
INVOICES_HEADER = "X-Ledgerloop-Invoices"
"""Invoice keys a message is about, comma-separated."""
NOTICE_HEADER = "X-Ledgerloop-Notice"
"""The dunning notice (or escalation) an email is, as `outreach.dunning_notices` knows it."""
EDITED_HEADER = "X-Ledgerloop-Edited-By"
"""Who changed a drafted email's text before it was approved."""

KINDS = ("director", "alert", "escalation", "statement")
"""Kinds a writer stamps besides the dunning channels' own (`dunning_<channel>`, `notifications.channels`)."""
ALERT_PREFIX = "alerts-"
"""File names of alert drafts start so (`orchestration.outreach.alerts.alert_draft_name`)."""


def email_kind(message: EmailMessage, name: str, *, dunning: bool) -> str:
    """The kind a writer stamped on an email, else the kind its name and folder imply (`dunning`:
    it sits in the dunning email outbox)."""
    stamped = str(message[KIND_HEADER] or "").strip()
    if stamped:
        return stamped
    if dunning:
        return "escalation" if "-escalation-" in name else "dunning_email"
    return "alert" if name.startswith(ALERT_PREFIX) else "director"


def listed(value: object) -> tuple[str, ...]:
    """A comma-separated header value as a tuple (none for a missing header)."""
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def stamp(message: EmailMessage, kind: str, accounts: list[str], invoices: list[str]) -> EmailMessage:
    """Add the kind and what the message is about; empty lists add no header (never `None`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; known: {KINDS}")
    message[KIND_HEADER] = kind
    if accounts:
        message[ACCOUNTS_HEADER] = ",".join(dict.fromkeys(accounts))
    if invoices:
        message[INVOICES_HEADER] = ",".join(dict.fromkeys(invoices))
    return message
