"""The collector workbench's read models, published from the warehouse to the portal store.

One asset reads each collector's ranked accounts (`marts.collector_worklist`) and the items under
them (`marts.collector_worklist_items`), the timelines of those accounts (`marts.account_timeline`,
newest `TIMELINE_EVENTS_PER_ACCOUNT` events each), the team workload (`marts.collector_workload`)
and the state the lists reflect (their day, the last collector entry they count, the worklist
policy the portal replays newer entries with), attaches the roster (email and office per
collector, contract C1) and replaces all of it in the store in one transaction. The accounts,
items and timelines are planned from fingerprints (`fingerprints.py`): only rows that changed
since the last publish leave the warehouse.
"""

import datetime as dt
import json
import sys

import duckdb

from orchestration.outreach.fingerprints import WarehouseReadModel
from orchestration.policy import Policy
from portal.store import tables, workbench
from portal.store.account_events import AccountEvent
from portal.store.team import StaffMember, WorkloadRow
from portal.store.worklists import CollectorItem
from portal.worklist_rows import CollectorAccount, WorkbenchState

TIMELINE_EVENTS_PER_ACCOUNT = 200

# Invoice numbers are published as the office writes them; the source's spelling beside it only
# where it differs. Tracker-only invoices' account is the account name (as in the timeline).
_ITEMS = """
select collector, item_key, rank, invoice_key, payment_id, account_id, account_name,
       coalesce(display_number, invoice_number) as invoice_number, currency, balance, days_past_due,
       aging_bucket, reason, next_action, due_by, priority_score, cast(drivers as varchar) as drivers,
       cast(reasons as varchar) as reasons,
       case when invoice_number <> display_number then invoice_number end as source_number, due_date,
       nullif(concat_ws('; ', promise_text, dispute_text, plan_text, director_text, payment_text), '')
           as notes
from marts.collector_worklist_items
order by collector, rank
"""

_ACCOUNTS = """
select collector, item_key, rank, account_id, account_name, payment_id, contact_name, contact_email,
       contact_phone, open_invoices, open_balances, days_past_due, reason, next_action, due_by,
       priority_score, cast(drivers as varchar) as drivers, notes, days_since_contact
from marts.collector_worklist
order by collector, rank
"""

# The lists count the entries submitted up to their day, the team's day in the policy's time zone
# (stg_portal__collector_entries, `utc_to_local_date`); the portal replays the ones after this id.
_ENTRIES_THROUGH = """
select coalesce(max(entry_id), 0) from raw.collector_entries
where cast(timezone($timezone, timezone('UTC', submitted_at)) as date) <= $as_of
"""

_EVENTS = """
select account_id, sequence_number, account_name, occurred_at, kind, invoice_key, payment_id,
       amount, currency, actor, detail
from marts.account_timeline
where account_id in (select distinct account_id from marts.collector_worklist)
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


def _shared(text: str | None) -> str | None:
    """One copy of a text many timeline events repeat (their account's id and name, the kind, the
    currency, the actor): a first publish at 1M invoices holds 1.34M events at once, and a copy
    per event of these five took a third of their memory."""
    return None if text is None else sys.intern(text)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def _staff(policy: Policy):
    """collector name -> (email, office) from the roster; (None, None) for a name not on it."""
    by_name = {m.name.casefold().strip(): m for m in policy.team.collectors}

    def who(collector: str) -> tuple[str | None, str | None]:
        member = by_name.get((collector or "").casefold().strip())
        return (member.email, member.office) if member else (None, None)

    return who


def off_roster(policy: Policy, collectors: list[str]) -> list[str]:
    """The collectors the warehouse names that the policy's roster does not (no email, no page)."""
    who = _staff(policy)
    return sorted(c for c in collectors if who(c) == (None, None))


def replay_policy(policy: Policy) -> dict:
    """The part of the `worklist:` policy the portal replays new entries with."""
    worklist = policy.worklist.model_dump(mode="json")
    keys = ("next_actions", "promise_due_within_days", "dispute_deadline_within_days")
    return {key: worklist[key] for key in keys}


def worklist_state(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: dt.date,
                   published_at: dt.datetime) -> WorkbenchState:
    """The lists' day, the last collector entry they count, and the policy the portal replays with."""
    (through,) = con.execute(_ENTRIES_THROUGH, {"as_of": as_of, "timezone": policy.timezone}).fetchall()[0]
    return WorkbenchState(
        as_of_date=as_of,
        entries_through=int(through),
        published_at=published_at,
        policy=replay_policy(policy),
    )


def read_models(policy: Policy) -> list[WarehouseReadModel]:
    """The large read models (each collector's accounts and items, the timelines), each
    collector's row carrying their email and office, planned from fingerprints at publish."""
    who = _staff(policy)
    # What shapes a published row besides the warehouse's: the roster, and this conversion.
    salt = json.dumps({"roster": [[m.name, m.email, m.office] for m in policy.team.collectors],
                       "conversion": 1})

    def accounts(raw: list[tuple]) -> list[dict]:
        return workbench.account_rows(
            CollectorAccount(collector, item_key, *who(collector), rank, *rest)
            for collector, item_key, rank, *rest in raw)

    def items(raw: list[tuple]) -> list[dict]:
        return workbench.item_rows(
            CollectorItem(collector, item_key, *who(collector), rank, *rest)
            for collector, item_key, rank, *rest in raw)

    def events(raw: list[tuple]) -> list[dict]:
        return workbench.event_rows(
            AccountEvent(_shared(account), seq, _shared(name), _utc(at), _shared(kind), invoice, payment,
                         amount, _shared(currency), _shared(actor), detail)
            for account, seq, name, at, kind, invoice, payment, amount, currency, actor, detail in raw)

    return [
        WarehouseReadModel(tables.collector_accounts, _ACCOUNTS, accounts, salt),
        WarehouseReadModel(tables.collector_items, _ITEMS, items, salt),
        # By account: a timeline changes by an event or two, and a million events compared one
        # by one took ~5 s of each refresh at 1M invoices.
        WarehouseReadModel(tables.account_events, _EVENTS, events, salt,
                           {"per_account": TIMELINE_EVENTS_PER_ACCOUNT}, group_by=("account_id",)),
    ]


def read_workload(con: duckdb.DuckDBPyConnection, policy: Policy) -> list[WorkloadRow]:
    """The team view's rows, each collector's carrying their email and office."""
    who = _staff(policy)
    # Invoices only the legacy tracker knows carry no currency: their own row, never summed in.
    return [WorkloadRow(collector, currency or NO_CURRENCY, *who(collector), *rest)
            for collector, currency, *rest in con.execute(_WORKLOAD).fetchall()]
