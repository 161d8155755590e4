"""A small warehouse for dunning tests: `marts.ar_ledger` from the outreach ledger fixture (plus the
account and invoice-date columns the real ledger has), customer contacts, and the records marts
(disputes, promises, plans) in their contract C3 shapes, which tests change day by day."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import yaml

from orchestration.dunning.facts import ensure_schema
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.orchestration.outreach.ledger_fixture import build_warehouse, invoice

RECORDS_DDL = [
    "create table if not exists marts.disputes (dispute_id varchar, invoice_key varchar, account_id varchar, "
    "collector varchar, reason varchar, evidence varchar, opened_on date, deadline_on date, status varchar, "
    "resolved_on date, resolution varchar, is_overdue boolean, as_of date)",
    "create table if not exists marts.promises_to_pay (promise_id varchar, account_id varchar, "
    "invoice_key varchar, collector varchar, currency varchar, promised_amount decimal(18, 2), "
    "promised_on date, promised_date date, "
    "paid_amount decimal(18, 2), status varchar, is_broken boolean, as_of date, invoice_keys varchar[])",
    "create table if not exists marts.payment_plans (plan_id varchar, account_id varchar, collector varchar, "
    "currency varchar, installment_number integer, due_on date, amount decimal(18, 2), "
    "cumulative_due decimal(18, 2), paid_to_date decimal(18, 2), running_balance decimal(18, 2), "
    "status varchar, is_current_plan boolean)",
]

# A policy for tests: the shipped one with a short, easy-to-follow dunning section.
TEST_SEGMENTS = [
    {
        "name": "disputers",
        "match": {"min_disputes": 1},
        "steps": [
            {"name": "reminder", "offset_days": 3, "channel": "email", "template": "reminder_friendly"},
            {"name": "call", "offset_days": 10, "channel": "call_task"},
        ],
    },
    {
        "name": "big",
        "match": {"min_balance": 10000},
        "steps": [
            {"name": "reminder", "offset_days": 1, "channel": "email", "template": "reminder_friendly"},
            {"name": "letter", "offset_days": 10, "channel": "letter", "template": "demand", "tone": "firm"},
            {"name": "call", "offset_days": 18, "channel": "call_task"},
        ],
    },
    {
        "name": "standard",
        "steps": [
            {"name": "reminder", "offset_days": 3, "channel": "email", "template": "reminder_friendly"},
            {"name": "nudge", "offset_days": 9, "channel": "sms", "template": "reminder", "tone": "firm"},
            {
                "name": "firm",
                "offset_days": 16,
                "channel": "email",
                "template": "reminder_firm",
                "tone": "firm",
            },
            {
                "name": "final",
                "offset_days": 25,
                "channel": "email",
                "template": "final_notice",
                "tone": "final",
            },
        ],
    },
]


def write_policy(folder: Path, change=None) -> Path:
    """The shipped policy with the test segments, every day a sending day, and `change(data)` applied."""
    data = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text())
    dunning = data["dunning"]
    dunning["segments"] = copy.deepcopy(TEST_SEGMENTS)
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    dunning["sending_window"] = {"days": every_day, "start": "09:00", "end": "17:00"}
    dunning["channel_windows"] = {}
    dunning["contact_cap"] = {"max_touches": 1, "days": 5}
    dunning["escalation"] = {
        "days_past_due": 30,
        "no_response_days": 4,
        "broken_promise": True,
        "template": "escalation",
    }
    if change:
        change(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def policy(path: Path):
    return load_policy(path)


def ledger_invoice(
    number: str,
    account_id: str,
    account_name: str,
    balance: str,
    due: dt.date,
    office: str = "NYC",
    currency: str = "USD",
    collector: str = "Avery Brooks",
) -> dict:
    return invoice(
        number,
        invoice_key=f"{office}:{number}",
        office=office,
        account_id=account_id,
        account_name=account_name,
        balance=balance,
        amount=balance,
        due_date=due,
        currency=currency,
        collector=collector,
        director_email=f"director-{account_id}@example.com",
        invoice_date=due - dt.timedelta(days=30),
    )


def build(home: Path, invoices: list[dict], contacts: list[tuple]) -> Path:
    """The warehouse under `home` with these ledger rows and (account, name, email, phone, address,
    time zone, customer type) contacts."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "warehouse.duckdb"
    extra = ("account_id", "invoice_date", "last_update_source", "last_update_at")
    plain = [{k: v for k, v in row.items() if k not in extra} for row in invoices]
    build_warehouse(path, plain)
    with connect(path) as con:
        con.execute("alter table marts.ar_ledger add column if not exists account_id varchar")
        con.execute("alter table marts.ar_ledger add column invoice_date date")
        con.execute("alter table marts.ar_ledger add column last_update_source varchar")
        con.execute("alter table marts.ar_ledger add column last_update_at timestamp")
        for row in invoices:
            con.execute(
                "update marts.ar_ledger set account_id = ?, invoice_date = ?, last_update_source = ?, "
                "last_update_at = ? where invoice_key = ?",
                [
                    row["account_id"],
                    row["invoice_date"],
                    row.get("last_update_source", "salesforce"),
                    row.get("last_update_at"),
                    row["invoice_key"],
                ],
            )
        for statement in RECORDS_DDL:
            con.execute(statement)
        ensure_schema(con)
        for contact in contacts:
            con.execute(
                "insert into outreach.account_contacts values (?, ?, ?, ?, ?, ?, ?, now())", list(contact)
            )
    return path


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
