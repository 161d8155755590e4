"""Taking back unapproved drafts that chase an invoice paid or put on hold since they were drafted:
a person approving one would chase a disputed or paid invoice."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb

from notifications.channels import outbox_channels
from notifications.folder_states import FolderStates
from orchestration.dunning.model import DunningPlan

SYSTEM_ACTOR = "ledgerloop"
AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, *, account_id=None)."""
SUPPRESSIONS = (
    "open_dispute", "pending_promise", "kept_promise", "on_track_plan", "stage_disputed", "stage_promised",
)
"""Held reasons that take a drafted reminder back (a contact cap or a cash hold does not)."""


Candidate = tuple[str, str, tuple[str, ...], FolderStates, str]
"""(labelled name, notice id, invoice keys, outbox, ident) of an unapproved customer notice."""


def _customer_drafts(outboxes: Mapping[str, FolderStates]) -> list[Candidate]:
    found: list[Candidate] = []
    for channel in outbox_channels():
        outbox = outboxes[channel.label]
        for item in outbox.items("drafts"):
            about = channel.about(item)
            if about is not None and about.to_customer:
                label = f"{channel.label}:{item.ident}"
                found.append((label, about.notice_id, about.invoice_keys, outbox, item.ident))
    return found


def withdraw_stale(
    con: duckdb.DuckDBPyConnection,
    outboxes: Mapping[str, FolderStates],
    plan: DunningPlan,
    audit: AccountAudit,
) -> list[str]:
    """Delete unapproved customer drafts that chase an invoice paid or suppressed since they were
    drafted, and forget their steps: they were never sent, so the sequence resumes, and the rest of
    what they chased is drafted again."""
    still_due = {
        row[0] for row in con.execute("select invoice_key from marts.ar_ledger where balance > 0").fetchall()
    }
    still_due -= {h.invoice_key for h in plan.held if h.reason in SUPPRESSIONS}
    withdrawn = []
    for label, notice, keys, outbox, ident in _customer_drafts(outboxes):
        settled = sorted(set(keys) - still_due)
        if not settled or not outbox.withdraw(ident):  # approved meanwhile: a person decided
            continue
        row = con.execute(
            "select account_id from outreach.dunning_notices where notice_id = ?", [notice]
        ).fetchone()
        con.execute("delete from outreach.dunning_steps where notice_id = ?", [notice])
        con.execute("delete from outreach.dunning_notices where notice_id = ?", [notice])
        audit(
            SYSTEM_ACTOR,
            "dunning.withdrawn",
            label,
            f"{notice}: invoice(s) {', '.join(settled)} paid or on hold since it was drafted",
            account_id=row[0] if row else None,
        )
        withdrawn.append(label)
    return withdrawn
