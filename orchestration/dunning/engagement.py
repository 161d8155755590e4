"""Who reached the customer and who answered, across every channel and team.

Three different things, kept apart because they answer different questions:
- *touches* (the contact cap: do not crowd the customer): notices drafted or scheduled, calls
  logged, director emails approved or sent about their invoices;
- *contacts* (escalation: since when have we been waiting?): only what actually reached out to the
  customer, a message sent or a call logged. A draft nobody approved never left the building;
- *responses* (escalation: did they answer?): a payment applied, a call that reached the client, a
  reply (logged in the workbench as a note), a promise, dispute or plan, a director's answer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from notifications.channels import channels
from notifications.draft_kinds import email_kind
from notifications.outbox import Outbox

RESPONSE_KINDS = ("promise", "dispute", "plan", "note")
"""Collector entries that record the customer speaking (a note is where a reply is logged)."""


@dataclass
class Engagement:
    touches: dict[str, set[dt.date]] = field(default_factory=lambda: defaultdict(set))
    contacts: dict[str, set[tuple[dt.date, str]]] = field(default_factory=lambda: defaultdict(set))
    responses: dict[str, dt.date] = field(default_factory=dict)

    def respond(self, account_id: str, day: dt.date | None, as_of: dt.date) -> None:
        if day is not None and day <= as_of and day > self.responses.get(account_id, dt.date.min):
            self.responses[account_id] = day


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


# Each on the team's day (the policy's time zone, as runs age invoices) of its UTC timestamp.
_SENT = """
select account_id, channel, cast(timezone($timezone, timezone('UTC', occurred_at)) as date) as day
from raw.outreach_events
where kind = 'sent' and account_id is not null
    and cast(timezone($timezone, timezone('UTC', occurred_at)) as date) <= $as_of
"""
_ENTRIES = """
select account_id, kind, call_outcome, cast(timezone($timezone, timezone('UTC', submitted_at)) as date) as day
from raw.collector_entries
where cast(timezone($timezone, timezone('UTC', submitted_at)) as date) <= $as_of
"""
_ANSWERS = """
select coalesce(l.account_id, l.account_name),
    max(cast(timezone($timezone, timezone('UTC', u.submitted_at)) as date))
from raw.director_updates as u
join marts.ar_ledger as l using (invoice_key)
where cast(timezone($timezone, timezone('UTC', u.submitted_at)) as date) <= $as_of
group by all
"""


def load_engagement(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, outbox_root: Path | None, timezone: str
) -> Engagement:
    """Touches, contacts and responses on or before `as_of`, each on the team's day in `timezone`
    (tables not built yet add nothing)."""
    found = Engagement()
    if has_table(con, "outreach", "dunning_notices"):
        for account_id, day in con.execute(
            "select account_id, scheduled_on from outreach.dunning_notices where channel <> 'escalation'"
        ).fetchall():
            found.touches[account_id].add(day)
    if has_table(con, "raw", "outreach_events"):
        sent_as = {c.name: c.sent_as for c in channels() if c.sent_as}
        for account_id, channel, day in con.execute(_SENT, {"timezone": timezone, "as_of": as_of}).fetchall():
            if channel in sent_as:
                found.contacts[account_id].add((day, sent_as[channel]))
    _collector_entries(con, as_of, timezone, found)
    _payments_and_answers(con, as_of, timezone, found)
    if outbox_root is not None:
        for account_id, day in director_touches(con, outbox_root):
            found.touches[account_id].add(day)
    return found


def _collector_entries(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, timezone: str, found: Engagement
) -> None:
    if not has_table(con, "raw", "collector_entries"):
        return
    params = {"timezone": timezone, "as_of": as_of}
    for account_id, kind, outcome, day in con.execute(_ENTRIES, params).fetchall():
        if kind == "call":
            found.touches[account_id].add(day)
            how = (outcome or "no outcome").replace("_", " ")
            found.contacts[account_id].add((day, f"call logged ({how})"))
        if kind in RESPONSE_KINDS or (kind == "call" and outcome == "reached"):
            found.respond(account_id, day, as_of)


def _payments_and_answers(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, timezone: str, found: Engagement
) -> None:
    if has_table(con, "marts", "payment_applications") and has_table(con, "marts", "payments"):
        for account_id, day in con.execute(
            "select coalesce(l.account_id, l.account_name), max(p.received_on) "
            "from marts.payment_applications a "
            "join marts.payments p using (payment_id) join marts.ar_ledger l using (invoice_key) "
            "where p.received_on <= ? group by all",
            [as_of],
        ).fetchall():
            found.respond(account_id, day, as_of)
    if has_table(con, "raw", "director_updates") and has_table(con, "marts", "ar_ledger"):
        for account_id, day in con.execute(_ANSWERS, {"timezone": timezone, "as_of": as_of}).fetchall():
            found.respond(account_id, day, as_of)


def director_touches(con: duckdb.DuckDBPyConnection, outbox_root: Path) -> list[tuple[str, dt.date]]:
    """(account, day) for each director email approved or sent on a day, for every account with
    open invoices under that director: the director's outreach is a touch about those invoices
    (unapproved drafts are not: they are rewritten daily and may never go)."""
    outbox = Outbox(outbox_root)
    sent: dict[str, set[dt.date]] = defaultdict(set)
    for state in ("approved", "sending", "sent"):
        for item in outbox.items(state):
            message = item.headers()
            if email_kind(message, item.name, dunning=False) != "director":
                continue  # an alert email goes to a collector or manager, not about a customer
            to = message["To"]
            if to is not None and to.addresses:
                sent[to.addresses[0].addr_spec.casefold()].add(dt.date.fromisoformat(item.day))
    if not sent:
        return []
    rows = con.execute(
        "select distinct lower(director_email), coalesce(account_id, account_name) from marts.ar_ledger "
        "where balance > 0 and director_email is not null"
    ).fetchall()
    return [(account_id, day) for email, account_id in rows for day in sent.get(email, ())]
