"""Drafting the call channel: a task on the collector's worklist (`outreach.dunning_call_tasks`,
which the worklist models read) instead of a message."""

from __future__ import annotations

import datetime as dt

from notifications.channels.call import CALL_TASK
from orchestration.dunning.channels.registry import Clean, DraftDesk, Drafted, Drafter
from orchestration.dunning.model import Notice
from orchestration.dunning.notices import id_of, open_balance_text
from orchestration.policy.dunning import Dunning


def call_task_row(notice: Notice, team, as_of: dt.date) -> dict:
    """A row of outreach.dunning_call_tasks for the collector's worklist."""
    account = notice.account
    invoices = [item.invoice for item in notice.items]
    return {
        "task_id": id_of(notice),
        "kind": "dunning_call",
        "account_id": account.account_id,
        "account_name": account.account_name,
        "assignee": account.collector,
        "assignee_email": team.collector_email(account.collector) if account.collector else None,
        "task": notice.lead.step.task,
        "invoice_keys": ",".join(i.invoice_key for i in invoices),
        "open_balance": open_balance_text(invoices),
        "phone": account.contact.phone,
        "due_on": notice.local_day,
        "created_on": as_of,
        "notice_id": id_of(notice),
    }


class CallDrafter(Drafter):
    channel = CALL_TASK
    weight = 2

    def draft(self, notice: Notice, name: str, desk: DraftDesk) -> Drafted:
        row = call_task_row(notice, desk.policy.team, desk.as_of)
        desk.tasks.append(row)
        return Drafted(f"call:{row['task_id']}", notice.account.collector, row["task"])

    def preview(self, notice: Notice, dunning: Dunning, as_of: dt.date, clean: Clean) -> str:
        return f"task for {clean(notice.account.collector or 'unassigned')}: {clean(notice.lead.step.task)}"
