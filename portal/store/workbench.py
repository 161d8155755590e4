"""Publishing the collector workbench's read models: the roster, every worklist (accounts and
their items), the timelines, the team workload and the state, replaced in one transaction, so a
page reads the old set or the new, never a mix."""

from __future__ import annotations

import json
from collections.abc import Iterable

from portal.links import normalize_email
from portal.store import tables
from portal.store.account_events import AccountEvent
from portal.store.bulk import Fingerprinted, replace_tables
from portal.store.columns import money_checked
from portal.store.connection import PortalStore
from portal.store.team import StaffMember, WorkloadRow, member_rows
from portal.store.worklists import CollectorItem
from portal.worklist_rows import CollectorAccount, WorkbenchState

_ITEM_MONEY = ("balance", "priority_score")
_WORKLOAD_MONEY = ("open_balance", "past_due_balance", "team_mean_open_items", "load_ratio")


def publish(
    store: PortalStore,
    members: Iterable[StaffMember],
    items: Iterable[CollectorItem],
    events: Iterable[AccountEvent],
    workload: Iterable[WorkloadRow],
    accounts: Iterable[CollectorAccount] = (),
    state: WorkbenchState | None = None,
) -> dict[str, int]:
    """Replace the roster, every worklist (accounts and their items), the timelines, the team
    workload and the state in one transaction: a page reads the old set or the new, never a mix."""
    replaced = {
        tables.collector_items: item_rows(items),
        tables.collector_accounts: account_rows(accounts),
        tables.account_events: event_rows(events),
    }
    return publish_planned(store, members, workload, state, replaced=replaced)


def publish_planned(
    store: PortalStore,
    members: Iterable[StaffMember],
    workload: Iterable[WorkloadRow],
    state: WorkbenchState | None,
    planned: Iterable[Fingerprinted] = (),
    replaced: dict | None = None,
) -> dict[str, int]:
    """`publish`, with the large read models (items, accounts, timelines) planned from the
    warehouse's fingerprints (`orchestration.outreach.fingerprints`) rather than given whole."""
    planned = list(planned)
    replaced = {
        tables.team_members: member_rows(members),
        **(replaced or {}),
        tables.team_workload: [money_checked(row, _WORKLOAD_MONEY) for row in workload],
        tables.workbench_state: [] if state is None else [_state_row(state)],
    }
    replace_tables(store, replaced, fingerprinted=planned)
    counts = {table.name: len(rows) for table, rows in replaced.items()} | {
        plan.table.name: plan.rows for plan in planned}
    counts.pop(tables.workbench_state.name)
    return counts


def item_rows(items: Iterable[CollectorItem]) -> list[dict]:
    return _with_emails([money_checked(item, _ITEM_MONEY) for item in items])


def account_rows(accounts: Iterable[CollectorAccount]) -> list[dict]:
    return _with_emails([money_checked(account, ("priority_score",)) for account in accounts])


def event_rows(events: Iterable[AccountEvent]) -> list[dict]:
    return [money_checked(event, ("amount",)) for event in events]


def _with_emails(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["collector_email"] = row["collector_email"] and normalize_email(row["collector_email"])
    return rows


def _state_row(state: WorkbenchState) -> dict:
    return {
        "state_id": 1,
        "as_of_date": state.as_of_date,
        "entries_through": state.entries_through,
        "published_at": state.published_at,
        "policy": json.dumps(state.policy, sort_keys=True, default=str),
    }
