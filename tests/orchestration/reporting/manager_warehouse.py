"""A small warehouse for the manager summary: the marts it reads, created directly in a DuckDB file
with the contracts' columns (ar_aging_daily, collector_workload, collections_kpis, marts.alerts C3,
marts.account_risk and marts.credit_limits C4), so each test can leave any table out or empty."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from orchestration.storage.warehouse import connect

AS_OF = dt.date(2026, 11, 23)
SCRIPT = "<script>alert(1)</script>"
ALL_TABLES = (
    "ar_ledger",
    "ar_aging_daily",
    "collector_workload",
    "collections_kpis",
    "alerts",
    "account_risk",
    "credit_limits",
)

DDL = {
    "ar_ledger": """create table marts.ar_ledger (invoice_key varchar, account_id varchar,
        account_name varchar, collector varchar, currency varchar, balance decimal(18, 2), status varchar)""",
    "ar_aging_daily": """create table marts.ar_aging_daily (as_of_date date, office varchar,
        collector varchar, currency varchar, aging_bucket varchar, invoice_count bigint,
        balance decimal(18, 2))""",
    "collector_workload": """create table marts.collector_workload (collector varchar, currency varchar,
        open_items bigint, open_balance decimal(18, 2), past_due_items bigint,
        past_due_balance decimal(18, 2), updates_last_7_days bigint, updates_last_30_days bigint,
        applications_last_7_days bigint, applications_last_30_days bigint,
        coverage_gap_accounts bigint, collector_open_items bigint, reassignment_hint varchar,
        as_of_date date)""",
    "collections_kpis": """create table marts.collections_kpis (as_of_date date, office varchar,
        collector varchar, currency varchar, is_all_collectors boolean, open_ar decimal(18, 2),
        past_due_ar decimal(18, 2), current_ar decimal(18, 2), share_current decimal(18, 4),
        countback_sales decimal(18, 2), dso decimal(18, 2), best_possible_dso decimal(18, 2),
        average_days_delinquent decimal(18, 2), is_dso_capped boolean, cei_period_start_on date,
        beginning_ar decimal(18, 2), beginning_ar_source varchar, period_credit_sales decimal(18, 2),
        collection_effectiveness_index decimal(18, 2))""",
    "alerts": """create table marts.alerts (alert_key varchar, kind varchar, subject varchar,
        account_id varchar, owner varchar, owner_email varchar, raised_on date, message varchar)""",
    "account_risk": """create table marts.account_risk (account_id varchar, as_of date,
        risk_score double, risk_band varchar, drivers json, model_version varchar)""",
    "credit_limits": """create table marts.credit_limits (account_id varchar, currency varchar,
        current_exposure decimal(18, 2), suggested_limit decimal(18, 2), previous_limit decimal(18, 2),
        change_reason varchar, as_of date)""",
}

# as_of, currency, bucket, balance: USD over three dates, GBP on the last one only.
AGING = [
    (AS_OF - dt.timedelta(days=2), "USD", "current", "1000.00"),
    (AS_OF - dt.timedelta(days=2), "USD", "1-30", "400.00"),
    (AS_OF - dt.timedelta(days=1), "USD", "current", "900.00"),
    (AS_OF - dt.timedelta(days=1), "USD", "31-60", "350.00"),
    (AS_OF, "USD", "current", "800.00"),
    (AS_OF, "USD", "31-60", "350.00"),
    (AS_OF, "USD", "90+", "125.50"),
    (AS_OF, "GBP", "1-30", "700.00"),
    (AS_OF - dt.timedelta(days=200), "USD", "current", "99999.00"),  # outside the trend window
]

WORKLOAD = [
    # collector, currency, open items, open balance, past due items, past due balance, gaps, hint
    (
        "Chris",
        "USD",
        6,
        "2100.00",
        3,
        "700.00",
        1,
        "Holds 7 open items against a team mean of 3.5: move about 3 to " + SCRIPT,
    ),
    (
        "Chris",
        "GBP",
        1,
        "700.00",
        1,
        "700.00",
        0,
        "Holds 7 open items against a team mean of 3.5: move about 3 to " + SCRIPT,
    ),
    (SCRIPT, "USD", 2, "250.00", 2, "250.00", 2, None),
]

KPIS = [
    # as_of, office, currency, dso, best possible, add, cei
    (AS_OF - dt.timedelta(days=1), "New York", "USD", "41.50", "20.00", "21.50", "72.25"),
    (AS_OF, "New York", "USD", "43.00", "21.00", "22.00", "70.00"),
    (AS_OF, "London", "GBP", "30.00", "30.00", "0.00", None),
]

ALERTS = [
    # key, kind, owner, account, raised on
    ("a1", "crossed_30", "Chris", "001A", AS_OF),
    ("a2", "crossed_60", "Chris", "001A", AS_OF - dt.timedelta(days=3)),
    ("a3", "broken_promise", SCRIPT, "001C", AS_OF - dt.timedelta(days=6)),
    ("a4", "check_failed", "manager@example.com", None, AS_OF),
    ("old", "crossed_30", "Chris", "001B", AS_OF - dt.timedelta(days=7)),  # 8 days ago counting today
]


def risk_rows(count: int = 25) -> list[tuple]:
    """`count` accounts 001-0NN, score falling with the number; account 001C is the riskiest."""
    rows = []
    for n in range(count):
        account = "001C" if n == 0 else f"A{n:03d}"
        score = round(0.95 - n * 0.035, 4)
        band = "high" if score >= 0.6 else "medium" if score >= 0.3 else "low"
        drivers = [
            {"feature": "share_paid_late", "value": 0.5, "contribution": 0.4},
            {"feature": "mean_days_late", "value": 45 - n, "contribution": -1.25 if n == 0 else 0.1},
        ]
        rows.append((account, AS_OF, score, band, json.dumps(drivers), "risk-v1"))
    rows.append(("A999", AS_OF - dt.timedelta(days=1), 0.99, "high", "[]", "risk-v0"))  # older scoring
    return rows


CREDIT = [
    # account, currency, exposure, suggested, previous, reason
    ("001A", "USD", "2100.00", "5000.00", "4000.00", "Pays on time; utilization 53%"),
    ("001C", "USD", "250.00", "0.00", "1000.00", SCRIPT + " broke two promises"),
    ("001B", "GBP", "700.00", "1500.00", None, "First suggestion"),
    ("001D", "USD", "80.00", "1000.00", "1000.00", "No change"),
]


def build_warehouse(home: Path, *, tables: tuple[str, ...] = ALL_TABLES, empty: tuple[str, ...] = ()) -> Path:
    """Create the marts named in `tables` (rows left out of those named in `empty`)."""
    path = home / "warehouse.duckdb"
    with connect(path) as con:
        con.execute("create schema if not exists marts")
        for name in tables:
            con.execute(DDL[name])
            if name not in empty:
                _fill(con, name)
    return path


def _fill(con, name: str) -> None:
    if name == "ar_ledger":
        con.execute(
            "insert into marts.ar_ledger values ('NYC:1', '001A', 'Acme, Inc.', 'Chris', 'USD', 10, 'open'),"
            "('NYC:2', '001C', $name, 'Lee', 'USD', 5, 'open')",
            {"name": SCRIPT + " & Co"},
        )
    elif name == "ar_aging_daily":
        con.executemany("insert into marts.ar_aging_daily values (?, 'New York', 'Chris', ?, ?, 1, ?)", AGING)
    elif name == "collector_workload":
        con.executemany(
            "insert into marts.collector_workload values (?, ?, ?, ?, ?, ?, 2, 5, 1, 3, ?, 7, ?, ?)",
            [(*row, AS_OF) for row in WORKLOAD],
        )
    elif name == "collections_kpis":
        con.executemany(
            "insert into marts.collections_kpis by name select ? as as_of_date, ? as office, "
            "'(all collectors)' as collector, ? as currency, true as is_all_collectors, 1000 as open_ar, "
            "400 as past_due_ar, 600 as current_ar, 0.6 as share_current, ? as dso, ? as best_possible_dso, "
            "? as average_days_delinquent, false as is_dso_capped, ? as collection_effectiveness_index",
            KPIS,
        )
        con.execute(
            "insert into marts.collections_kpis by name select $as_of as as_of_date, 'New York' as office, "
            "'Chris' as collector, 'USD' as currency, false as is_all_collectors, 999 as dso",
            {"as_of": AS_OF},
        )
    elif name == "alerts":
        con.executemany(
            "insert into marts.alerts values (?, ?, 'INV-1', ?, ?, 'x@example.com', ?, 'Alert for ' || ?)",
            [(key, kind, account, owner, raised, owner) for key, kind, owner, account, raised in ALERTS],
        )
    elif name == "account_risk":
        con.executemany("insert into marts.account_risk values (?, ?, ?, ?, ?, ?)", risk_rows())
    elif name == "credit_limits":
        con.executemany(
            "insert into marts.credit_limits values (?, ?, ?, ?, ?, ?, ?)", [(*row, AS_OF) for row in CREDIT]
        )
