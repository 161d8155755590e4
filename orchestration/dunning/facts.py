"""Read what the dunning decision needs from the warehouse (and the director outbox).

The records marts (disputes, promises, plans), the risk mart and the collector entries are read
when they exist: a warehouse built before they landed still gets reminders, just without those
suppressions and segment conditions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import duckdb

from notifications.outbox import Outbox
from orchestration.dunning.selection import Account, Contact, Facts, OpenInvoice, Promise

_SCHEMA = Path(__file__).resolve().parent / "schema.sql"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `outreach` schema and its tables if missing."""
    for statement in re.split(r";\s*\n", _SCHEMA.read_text(encoding="utf-8")):
        if any(line.strip() and not line.strip().startswith("--") for line in statement.splitlines()):
            con.execute(statement)


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _if_table(con: duckdb.DuckDBPyConnection, table: str, query: str) -> list[tuple]:
    """Rows of a query on an `outreach` table; none before the first run created it (a preview
    reads the warehouse without creating anything)."""
    return con.execute(query).fetchall() if has_table(con, "outreach", table) else []


def load_accounts(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Account]:
    """Accounts with open invoices, their contact, tenure, risk and dispute history."""
    rows = con.execute(
        "select invoice_key, invoice_number, coalesce(account_id, account_name) as account_id, account_name, "
        "office, collector, project, currency, amount, balance, due_date from marts.ar_ledger "
        "where balance > 0 and due_date is not null order by invoice_key"
    ).fetchall()
    first_invoice: dict[str, dt.date] = dict(
        con.execute(
            "select coalesce(account_id, account_name), min(invoice_date) from marts.ar_ledger group by all"
        ).fetchall()
    )
    contacts: dict[str, Contact] = {}
    for account_id, name, email, phone, address, zone, kind in _if_table(
        con,
        "account_contacts",
        "select account_id, contact_name, email, phone, address_lines, time_zone, customer_type "
        "from outreach.account_contacts",
    ):
        lines = tuple(line.strip() for line in (address or "").splitlines() if line.strip())
        contacts[account_id] = Contact(name, email, phone, lines, zone, kind)
    risk: dict[str, tuple[float, str]] = {}
    if has_table(con, "marts", "account_risk"):
        risk = {
            row[0]: (row[1], row[2])
            for row in con.execute(
                "select account_id, risk_score, risk_band from marts.account_risk "
                "qualify row_number() over (partition by account_id order by as_of desc) = 1"
            ).fetchall()
        }
    disputes: dict[str, int] = {}
    if has_table(con, "marts", "disputes"):
        disputes = dict(
            con.execute(
                "select account_id, count(*) from marts.disputes where opened_on <= ? group by account_id",
                [as_of],
            ).fetchall()
        )
    by_account: dict[str, list[OpenInvoice]] = defaultdict(list)
    for (
        key,
        number,
        account_id,
        account_name,
        office,
        collector,
        project,
        currency,
        amount,
        balance,
        due,
    ) in rows:
        by_account[account_id].append(
            OpenInvoice(
                key,
                number,
                account_id,
                account_name,
                office,
                collector,
                project,
                currency,
                amount,
                balance,
                due,
            )
        )
    accounts = []
    for account_id, invoices in by_account.items():
        first = invoices[0]
        score, band = risk.get(account_id, (None, None))
        accounts.append(
            Account(
                account_id,
                first.account_name,
                first.office,
                first.collector,
                tuple(invoices),
                contacts.get(account_id, Contact()),
                first_invoice.get(account_id),
                float(score) if score is not None else None,
                band,
                int(disputes.get(account_id, 0)),
            )
        )
    return accounts


def load_facts(con: duckdb.DuckDBPyConnection, as_of: dt.date, outbox_root: Path | None) -> Facts:
    """Steps done, touches by every channel and team, responses, suppressions, past escalations."""
    steps_done = dict(
        _if_table(
            con,
            "dunning_steps",
            "select invoice_key, max(step_index) + 1 from outreach.dunning_steps group by invoice_key",
        )
    )
    touches: dict[str, set[dt.date]] = defaultdict(set)
    for account_id, day in _if_table(
        con,
        "dunning_notices",
        "select account_id, scheduled_on from outreach.dunning_notices where channel <> 'escalation'",
    ):
        touches[account_id].add(day)
    responses: dict[str, dt.date] = {}

    def respond(account_id: str, day: dt.date | None) -> None:
        if day is not None and day <= as_of and (account_id not in responses or day > responses[account_id]):
            responses[account_id] = day

    if has_table(con, "raw", "collector_entries"):
        for account_id, kind, outcome, day in con.execute(
            "select account_id, kind, call_outcome, cast(submitted_at as date) from raw.collector_entries "
            "where cast(submitted_at as date) <= ?",
            [as_of],
        ).fetchall():
            if kind == "call":
                touches[account_id].add(day)
            if kind in ("promise", "dispute", "plan") or (kind == "call" and outcome == "reached"):
                respond(account_id, day)
    if has_table(con, "marts", "payment_applications") and has_table(con, "marts", "payments"):
        for account_id, day in con.execute(
            "select coalesce(l.account_id, l.account_name), max(p.received_on) "
            "from marts.payment_applications a "
            "join marts.payments p using (payment_id) join marts.ar_ledger l using (invoice_key) "
            "where p.received_on <= ? group by all",
            [as_of],
        ).fetchall():
            respond(account_id, day)
    if outbox_root is not None:
        for account_id, day in director_touches(con, outbox_root):
            touches[account_id].add(day)
    open_disputes: set[str] = set()
    if has_table(con, "marts", "disputes"):
        open_disputes = {
            row[0]
            for row in con.execute(
                "select coalesce(invoice_key, account_id) from marts.disputes where status = 'open'"
            ).fetchall()
        }
    promises: tuple[Promise, ...] = ()
    if has_table(con, "marts", "promises_to_pay"):
        promises = tuple(
            Promise(*row)
            for row in con.execute(
                "select promise_id, account_id, invoice_key, status, promised_date, currency, "
                "promised_amount "
                "from marts.promises_to_pay where status in ('pending', 'kept', 'broken') order by promise_id"
            ).fetchall()
        )
    plans: set[tuple[str, str]] = set()
    if has_table(con, "marts", "payment_plans"):
        plans = {
            (a, c or "")
            for a, c in con.execute(
                "select distinct account_id, currency from marts.payment_plans "
                "where is_current_plan and status = 'on_track'"
            ).fetchall()
        }
    escalated = frozenset(
        r[0]
        for r in _if_table(
            con, "dunning_escalations", "select escalation_key from outreach.dunning_escalations"
        )
    )
    return Facts(
        steps_done=steps_done,
        touches={k: tuple(sorted(v)) for k, v in touches.items()},
        last_response=responses,
        open_disputes=frozenset(open_disputes),
        promises=promises,
        on_track_plans=frozenset(plans),
        escalated=escalated,
    )


def director_touches(con: duckdb.DuckDBPyConnection, outbox_root: Path) -> list[tuple[str, dt.date]]:
    """(account, day) for each director email approved or sent on a day, for every account with
    open invoices under that director: the director's outreach is a contact about those invoices
    (unapproved drafts are not: they are rewritten daily and may never go)."""
    outbox = Outbox(outbox_root)
    sent: dict[str, set[dt.date]] = defaultdict(set)
    for state in ("approved", "sending", "sent"):
        for item in outbox.items(state):
            to = item.message()["To"]
            if to is not None and to.addresses:
                sent[to.addresses[0].addr_spec.casefold()].add(dt.date.fromisoformat(item.day))
    if not sent:
        return []
    rows = con.execute(
        "select distinct lower(director_email), coalesce(account_id, account_name) from marts.ar_ledger "
        "where balance > 0 and director_email is not null"
    ).fetchall()
    return [(account_id, day) for email, account_id in rows for day in sent.get(email, ())]
