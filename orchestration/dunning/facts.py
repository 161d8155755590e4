"""Read what the dunning decision needs from the warehouse (and the director outbox).

The records marts (disputes, promises, plans), the risk mart, the payment marts and the collector
entries are read when they exist: a warehouse built before they landed still gets reminders, just
without those suppressions, segment conditions and cash holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import duckdb

from orchestration.dunning.cash import payment_files_missing, unapplied_cash
from orchestration.dunning.engagement import has_table, load_engagement
from orchestration.dunning.selection import Account, Contact, Facts, OpenInvoice, Promise
from orchestration.policy.dunning import Dunning
from orchestration.storage.warehouse import STORAGE_SQL, run_sql_file

__all__ = ["ensure_schema", "has_table", "load_accounts", "load_facts", "record_first_seen"]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `outreach` schema and its tables when the schema is missing (a writing `connect`
    has made them; a PostgreSQL step's DuckDB holds only the tables it named, and keeps it so)."""
    exists = con.execute(
        "select count(*) from duckdb_schemas() where database_name = current_database() "
        "and schema_name = 'outreach'").fetchall()[0][0]
    if not exists:
        run_sql_file(con, STORAGE_SQL / "outreach.sql")


def _if_table(con: duckdb.DuckDBPyConnection, table: str, query: str) -> list[tuple]:
    """Rows of a query on an `outreach` table; none before the first run created it (a preview
    reads the warehouse without creating anything)."""
    return con.execute(query).fetchall() if has_table(con, "outreach", table) else []


OPEN_INVOICES = (
    "select invoice_key, coalesce(display_number, invoice_number) as invoice_number, "
    "coalesce(account_id, account_name) as account_id, account_name, "
    "office, collector, project, currency, amount, balance, due_date, stage, last_update_source, "
    "last_update_at from marts.ar_ledger where balance > 0 and due_date is not null order by invoice_key"
)


def load_accounts(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Account]:
    """Accounts with open invoices, their contact, tenure, risk and dispute history."""
    by_account: dict[str, list[OpenInvoice]] = defaultdict(list)
    for row in con.execute(OPEN_INVOICES).fetchall():
        by_account[row[2]].append(OpenInvoice(*row))
    first_invoice: dict[str, dt.date] = dict(
        con.execute(
            "select coalesce(account_id, account_name), min(invoice_date) from marts.ar_ledger group by all"
        ).fetchall()
    )
    contacts = _contacts(con)
    risk = _risk(con)
    disputes = _dispute_counts(con, as_of)
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


def _contacts(con: duckdb.DuckDBPyConnection) -> dict[str, Contact]:
    contacts: dict[str, Contact] = {}
    for account_id, name, email, phone, address, zone, kind in _if_table(
        con,
        "account_contacts",
        "select account_id, contact_name, email, phone, address_lines, time_zone, customer_type "
        "from outreach.account_contacts",
    ):
        lines = tuple(line.strip() for line in (address or "").splitlines() if line.strip())
        contacts[account_id] = Contact(name, email, phone, lines, zone, kind)
    return contacts


def _risk(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, str]]:
    if not has_table(con, "marts", "account_risk"):
        return {}
    return {
        row[0]: (row[1], row[2])
        for row in con.execute(
            "select account_id, risk_score, risk_band from marts.account_risk "
            "qualify row_number() over (partition by account_id order by as_of desc) = 1"
        ).fetchall()
    }


def _dispute_counts(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, int]:
    if not has_table(con, "marts", "disputes"):
        return {}
    return dict(
        con.execute(
            "select account_id, count(*) from marts.disputes where opened_on <= ? group by account_id",
            [as_of],
        ).fetchall()
    )


def record_first_seen(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """Remember the day each open invoice was first seen (the earliest run date, for backfills)."""
    con.execute(
        "insert into outreach.dunning_invoices_seen by name "
        "select invoice_key, ? as first_seen_on from marts.ar_ledger "
        "where balance > 0 and due_date is not null on conflict (invoice_key) "
        "do update set first_seen_on = least(first_seen_on, excluded.first_seen_on)",
        [as_of],
    )


def load_facts(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    outbox_root: Path | None,
    dunning: Dunning,
    timezone: str,
) -> Facts:
    """Steps done, touches, contacts and responses, suppressions, past escalations, and (with the
    policy's `dunning.cash_first`) whether cash may still change what customers owe."""
    steps_done = dict(
        _if_table(
            con,
            "dunning_steps",
            "select invoice_key, max(step_index) + 1 from outreach.dunning_steps group by invoice_key",
        )
    )
    first_seen = dict(
        _if_table(
            con,
            "dunning_invoices_seen",
            "select invoice_key, first_seen_on from outreach.dunning_invoices_seen",
        )
    )
    engagement = load_engagement(con, as_of, outbox_root, timezone)
    cash = dunning.cash_first
    escalated = frozenset(
        r[0]
        for r in _if_table(
            con, "dunning_escalations", "select escalation_key from outreach.dunning_escalations"
        )
    )
    return Facts(
        steps_done=steps_done,
        first_seen=first_seen,
        touches={k: tuple(sorted(v)) for k, v in engagement.touches.items()},
        contacts={k: tuple(sorted(v)) for k, v in engagement.contacts.items()},
        last_response=engagement.responses,
        open_disputes=_open_disputes(con),
        promises=_promises(con),
        on_track_plans=_on_track_plans(con),
        escalated=escalated,
        unapplied_cash=unapplied_cash(con) if cash.unapplied_cash else {},
        payment_files_missing=payment_files_missing(con, as_of, cash, timezone),
        drafted_today=_drafted_on(con, as_of),
    )


def _drafted_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> int:
    """Notices and call tasks drafted by the runs of `day` (escalations go to managers: not counted)."""
    if not has_table(con, "outreach", "dunning_notices"):
        return 0
    return con.execute("select count(*) from outreach.dunning_notices where run_on = ? "
                       "and channel <> 'escalation'", [day]).fetchall()[0][0]


def _open_disputes(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    if not has_table(con, "marts", "disputes"):
        return frozenset()
    return frozenset(
        row[0]
        for row in con.execute(
            "select coalesce(invoice_key, account_id) from marts.disputes where status = 'open'"
        ).fetchall()
    )


def _promises(con: duckdb.DuckDBPyConnection) -> tuple[Promise, ...]:
    if not has_table(con, "marts", "promises_to_pay"):
        return ()
    return tuple(
        Promise(*row[:-1], invoice_keys=tuple(row[-1]) if row[-1] is not None else None)
        for row in con.execute(
            "select promise_id, account_id, invoice_key, status, promised_date, currency, promised_amount, "
            "invoice_keys from marts.promises_to_pay where status in ('pending', 'kept', 'broken') "
            "order by promise_id"
        ).fetchall()
    )


def _on_track_plans(con: duckdb.DuckDBPyConnection) -> frozenset[tuple[str, str]]:
    if not has_table(con, "marts", "payment_plans"):
        return frozenset()
    return frozenset(
        (a, c or "")
        for a, c in con.execute(
            "select distinct account_id, currency from marts.payment_plans "
            "where is_current_plan and status = 'on_track'"
        ).fetchall()
    )
