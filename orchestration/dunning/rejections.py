"""Dunning drafts a person rejected: never sent (they sit in `rejected/`), on the account's timeline
with who rejected them and why, and drafted afresh only when the policy says.

A rejected notice keeps its steps until `dunning.redraft_rejected_after_days` have passed since
the rejection (in the policy's time zone; at least one, so never on the day itself): then its
steps and notice are forgotten, as for a withdrawn draft, and the sequence drafts the step again
with the facts of that day (a promise or dispute logged meanwhile holds it). With null the
rejected step stays done and the sequence moves on.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from notifications.draft_index import DraftIndex
from notifications.draft_rows import DunningDraft
from orchestration.policy import Policy

SYSTEM_ACTOR = "ledgerloop"


def live_rejections(con: duckdb.DuckDBPyConnection, home: Path) -> list[DunningDraft]:
    """Rejected customer drafts whose notice still holds its steps in `outreach.dunning_notices`."""
    index = DraftIndex(home)
    index.sync()
    rejected = [d for d in index.drafts(None, ("rejected",)) if d.notice_id]
    if not rejected:
        return []
    live = {
        row[0]
        for row in con.execute(
            "select notice_id from outreach.dunning_notices where list_contains(?, notice_id)",
            [[d.notice_id for d in rejected]],
        ).fetchall()
    }
    return [d for d in rejected if d.notice_id in live]


def rejected_on(draft: DunningDraft, timezone: str) -> dt.date:
    """The local day of the rejection (the draft's day when the note has no time)."""
    if draft.rejected_at is None:
        return dt.date.fromisoformat(draft.day)
    return draft.rejected_at.astimezone(ZoneInfo(timezone)).date()


def settle_rejections(
    con: duckdb.DuckDBPyConnection, home: Path, policy: Policy, as_of: dt.date, audit
) -> tuple[list[DunningDraft], list[str]]:
    """(rejected drafts whose notice still holds its steps, labels of those whose steps are
    forgotten now so the sequence may draft them again)."""
    drafts = live_rejections(con, home)
    after_days = policy.dunning.redraft_rejected_after_days
    released = []
    for draft in drafts:
        if after_days is None or rejected_on(draft, policy.timezone) + dt.timedelta(days=after_days) > as_of:
            continue
        con.execute("delete from outreach.dunning_steps where notice_id = ?", [draft.notice_id])
        con.execute("delete from outreach.dunning_notices where notice_id = ?", [draft.notice_id])
        audit(
            SYSTEM_ACTOR,
            "dunning.rejection_released",
            draft.label,
            json.dumps({"notice_id": draft.notice_id, "by": draft.rejected_by, "after_days": after_days}),
            account_id=draft.account_id,
        )
        released.append(draft.label)
    return drafts, released


def rejection_subject(draft: DunningDraft) -> str:
    """What the timeline says of a rejected notice."""
    return f"{draft.subject} (rejected: {draft.rejected_reason or 'no reason given'})"
