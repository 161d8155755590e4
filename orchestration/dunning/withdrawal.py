"""Taking back unapproved drafts that chase an invoice paid or put on hold since they were drafted:
a person approving one would chase a disputed or paid invoice."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from notifications.draft_index import DraftIndex
from notifications.draft_rows import DunningDraft
from orchestration.dunning.model import DunningPlan
from orchestration.storage.warehouse import transaction

SYSTEM_ACTOR = "ledgerloop"
AccountAudit = Callable[..., None]
"""(actor, action, subject, detail, *, account_id=None)."""
SUPPRESSIONS = (
    "open_dispute", "pending_promise", "kept_promise", "on_track_plan", "stage_disputed", "stage_promised",
)
"""Held reasons that take a drafted reminder back (a contact cap or a cash hold does not)."""


def _customer_drafts(index: DraftIndex) -> list[DunningDraft]:
    """Unapproved customer notices, as the drafts index lists them: synced first (a `stat` per day
    folder when nothing changed), never by parsing every draft's file, which at a large backlog
    cost most of a refresh."""
    index.sync(locked=True)
    return [draft for draft in index.drafts(None, ("drafts",)) if draft.notice_id]


def _still_due(con: duckdb.DuckDBPyConnection, drafts: list[DunningDraft]) -> set[str]:
    """Those of the drafts' invoices that still have a balance (only theirs are looked up)."""
    keys = sorted({key for draft in drafts for key in draft.invoice_keys})
    if not keys:
        return set()
    rows = con.execute(
        "select invoice_key from marts.ar_ledger where balance > 0 and invoice_key in (select unnest(?))",
        [keys],
    ).fetchall()
    return {row[0] for row in rows}


def withdraw_stale(
    con: duckdb.DuckDBPyConnection,
    index: DraftIndex,
    plan: DunningPlan,
    audit: AccountAudit,
) -> list[DunningDraft]:
    """Delete unapproved customer drafts that chase an invoice paid or suppressed since they were
    drafted, and forget their steps: they were never sent, so the sequence resumes, and the rest of
    what they chased is drafted again."""
    drafts = _customer_drafts(index)
    still_due = _still_due(con, drafts) - {h.invoice_key for h in plan.held if h.reason in SUPPRESSIONS}
    withdrawn = []
    for draft in drafts:
        settled = sorted(set(draft.invoice_keys) - still_due)
        label, notice = draft.label, draft.notice_id
        outbox = index.outboxes[draft.outbox_channel.label]
        if not settled or not outbox.withdraw(f"{draft.day}/{draft.name}"):  # approved meanwhile
            continue
        row = con.execute(
            "select account_id from outreach.dunning_notices where notice_id = ?", [notice]
        ).fetchall()
        row = row[0] if row else None
        with transaction(con):  # committed (on a server: pushed) with the draft just withdrawn
            con.execute("delete from outreach.dunning_steps where notice_id = ?", [notice])
            con.execute("delete from outreach.dunning_notices where notice_id = ?", [notice])
        audit(
            SYSTEM_ACTOR,
            "dunning.withdrawn",
            label,
            f"{notice}: invoice(s) {', '.join(settled)} paid or on hold since it was drafted",
            account_id=row[0] if row else None,
        )
        withdrawn.append(draft)
    return withdrawn
