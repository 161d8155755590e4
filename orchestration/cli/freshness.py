"""`ledgerloop run` with nothing new: say so in a second instead of rebuilding the same ledger."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from orchestration.policy import Policy
from orchestration.run_inputs import LastRefresh


def skipped_report(last: LastRefresh, policy: Policy, as_json: bool) -> str:
    """What `ledgerloop run` prints when it skips (`--json`: for machines)."""
    return json.dumps(_skipped_json(last)) if as_json else _skipped_text(last, policy)


def _skipped_text(last: LastRefresh, policy: Policy) -> str:
    finished = last.finished_at.astimezone(ZoneInfo(policy.timezone))
    return (
        f"Nothing new since the refresh of {finished:%Y-%m-%d %H:%M} {policy.timezone} "
        f"(run {last.run_id[:8]}, as of {last.as_of.isoformat()}): no file waits in landing/, no "
        "portal entry came in, and the policy, the code, contacts, payment decisions and drafts "
        "are as it read them. The ledger, lists and drafts are current.\n"
        "`ledgerloop run --force` rebuilds anyway."
    )


def _skipped_json(last: LastRefresh) -> dict:
    return {"success": True, "skipped": True, "run_id": last.run_id, "as_of": last.as_of.isoformat(),
            "last_finished_at": last.finished_at.isoformat()}
