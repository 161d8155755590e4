"""The collector workbench's read models, published from the warehouse to the portal store.

One asset reads each collector's ranked list (`marts.collector_worklist`), the timelines of the
accounts on those lists (`marts.account_timeline`, newest `TIMELINE_EVENTS_PER_ACCOUNT` events
each) and the team workload (`marts.collector_workload`), attaches the roster (email and office
per collector, contract C1) and replaces all of it in the store in one transaction.
"""

import datetime as dt

import dagster as dg
import duckdb

from orchestration.config import Policy
from orchestration.outreach.portal_store import open_store
from orchestration.resources import LedgerloopResource
from orchestration.warehouse import connect
from portal.store import AccountEvent, CollectorItem, StaffMember, WorkloadRow

WORKLIST = dg.AssetKey(["marts", "collector_worklist"])
TIMELINE = dg.AssetKey(["marts", "account_timeline"])
WORKLOAD = dg.AssetKey(["marts", "collector_workload"])
TIMELINE_EVENTS_PER_ACCOUNT = 200

# Tracker-only invoices have no account id; the timeline names their account by the account name.
_ITEMS = """
select collector, item_key, rank, invoice_key, payment_id,
       coalesce(account_id, account_name) as account_id, account_name, invoice_number, currency,
       balance, days_past_due, aging_bucket, reason, next_action, due_by, priority_score,
       cast(drivers as varchar) as drivers
from marts.collector_worklist
order by collector, rank
"""

_EVENTS = """
select account_id, sequence_number, account_name, occurred_at, kind, invoice_key, payment_id,
       amount, currency, actor, detail
from marts.account_timeline
where account_id in (
    select distinct coalesce(account_id, account_name) from marts.collector_worklist
)
qualify row_number() over (partition by account_id order by sequence_number desc) <= $per_account
order by account_id, sequence_number
"""

_WORKLOAD = """
select collector, currency, open_items, open_balance, past_due_items, past_due_balance,
       updates_last_7_days, updates_last_30_days, applications_last_7_days,
       applications_last_30_days, coverage_gap_accounts, collector_open_items, reassignment_hint,
       as_of_date, team_mean_open_items, load_ratio
from marts.collector_workload
order by collector, currency
"""


def roster(policy: Policy) -> list[StaffMember]:
    """The policy's collectors and managers as the portal store keeps them."""
    return [
        StaffMember(email=m.email, role=role, name=m.name, office=m.office)
        for role, members in (("collector", policy.team.collectors), ("manager", policy.team.managers))
        for m in members
    ]


NO_CURRENCY = ""
"""The team view's currency for invoices whose source names none (the page shows "no currency")."""


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def read_models(
    con: duckdb.DuckDBPyConnection, policy: Policy
) -> tuple[list[CollectorItem], list[AccountEvent], list[WorkloadRow]]:
    """The three read models from the warehouse, each collector's row carrying their email and office."""
    by_name = {m.name.casefold().strip(): m for m in policy.team.collectors}

    def who(collector: str) -> tuple[str | None, str | None]:
        member = by_name.get((collector or "").casefold().strip())
        return (member.email, member.office) if member else (None, None)

    items = []
    for row in con.execute(_ITEMS).fetchall():
        collector, item_key, rank, *rest = row
        email, office = who(collector)
        items.append(CollectorItem(collector, item_key, email, office, rank, *rest))
    events = [
        AccountEvent(account_id, seq, name, _utc(at), *rest)
        for account_id, seq, name, at, *rest in con.execute(
            _EVENTS, {"per_account": TIMELINE_EVENTS_PER_ACCOUNT}
        ).fetchall()
    ]
    workload = []
    for collector, currency, *rest in con.execute(_WORKLOAD).fetchall():
        email, office = who(collector)
        # Invoices only the legacy tracker knows carry no currency: their own row, never summed in.
        workload.append(WorkloadRow(collector, currency or NO_CURRENCY, email, office, *rest))
    return items, events, workload


@dg.asset(
    key=["portal", "collector_worklists"],
    deps=[WORKLIST, TIMELINE, WORKLOAD],
    group_name="outreach",
    kinds={"sqlite"},
)
def collector_worklists(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Collector worklists, account timelines and team workload, published to the portal store at once."""
    policy = ledgerloop.policy()
    with connect(ledgerloop.settings.warehouse_path, read_only=True) as con:
        items, events, workload = read_models(con, policy)
    with open_store(ledgerloop.settings.home) as store:
        counts = store.publish_workbench(roster(policy), items, events, workload)
    without_roster = sorted({i.collector for i in items if i.collector_email is None})
    return dg.MaterializeResult(
        metadata={
            **counts,
            "collectors": len({i.collector for i in items}),
            "accounts": len({i.account_id for i in items if i.account_id}),
            "collectors_not_on_roster": ", ".join(without_roster[:10]) or "none",
        }
    )


defs = dg.Definitions(assets=[collector_worklists])
