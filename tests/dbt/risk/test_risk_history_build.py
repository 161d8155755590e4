"""A foreign invoice history (the IBM accounts-receivable sample's columns) after only a mapping:
ingested, then `dbt build` of the monthly KPIs and the risk features, checked against values
computed by hand."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.history import history_exports, register_history_settings
from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import LOADED_AT, POLICY, dbt, ingest_invoices

pytestmark = [pytest.mark.integration, pytest.mark.slow]
AS_OF = "2026-04-15"
# A: paid 11 days late; B: disputed, paid 24 days late; C: open, 24 days past due at the run's
# as-of date; D: paid 12 days early. (Columns exactly as the IBM sample names them.)
HISTORY = """customerID,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate
C1,1001,1/10/2026,2/9/2026,1000.00,No,2/20/2026
C1,1002,2/5/2026,3/7/2026,"2,000.00",Yes,3/31/2026
C2,1003,2/20/2026,3/22/2026,500.00,No,
C2,1004,3/15/2026,4/14/2026,1500.00,No,4/2/2026
"""


# Collector records (contract C2): C1 promises 100.00 by Mar 10 and nothing comes (broken from
# Mar 11); C2 agrees a plan on Mar 1 with 100.00 due Mar 15 and pays nothing (behind from Mar 16),
# and disputes invoice 1004 on Mar 20.
ENTRIES = [
    (1, "promise", "C1", None, "100.00", "2026-03-10", None, None, None, "2026-03-01 15:00:00"),
    (
        2,
        "plan",
        "C2",
        None,
        None,
        None,
        None,
        None,
        '[{"due_on": "2026-03-15", "amount": "100.00"}, {"due_on": "2026-04-30", "amount": "400.00"}]',
        "2026-03-01 16:00:00",
    ),
    (
        3,
        "dispute",
        "C2",
        "NYC:1004",
        None,
        None,
        "wrong rate",
        "email of Mar 19",
        None,
        "2026-03-20 15:00:00",
    ),
]


def record_entries(home: Path) -> None:
    with connect(home / "warehouse.duckdb") as con:
        for entry_id, kind, account, invoice, amount, promised, reason, evidence, plan, at in ENTRIES:
            con.execute(
                "insert into raw.collector_entries (entry_id, submission_id, collector_email, collector, "
                "kind, account_id, invoice_key, currency, promised_amount, promised_date, dispute_reason, "
                "dispute_evidence, dispute_deadline, plan_installments, submitted_at, _loaded_at) "
                "values (?, ?, 'chris@example.com', 'Chris', ?, ?, ?, 'USD', ?, ?, ?, ?, "
                "case when ? = 'dispute' then date '2026-04-30' end, ?, ?, ?)",
                [
                    entry_id,
                    f"s{entry_id}",
                    kind,
                    account,
                    invoice,
                    amount,
                    promised,
                    reason,
                    evidence,
                    kind,
                    plan,
                    at,
                    at,
                ],
            )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("risk_history")
    (home / "landing" / "history").mkdir(parents=True)
    (home / "landing" / "history" / "ar_history.csv").write_text(HISTORY, encoding="utf-8")
    ingest_invoices(home)  # no ledger files: creates raw.payments for the ledger models
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, POLICY)
        register_history_settings(con, POLICY)
        (result,) = ingest_folder(
            con, history_exports(POLICY), home / "landing", home / "archive", home / "tmp", LOADED_AT,
            settle_seconds=0,
        )
    assert (result.rows_loaded, result.rows_quarantined) == (4, 0)
    record_entries(home)
    run = dbt(
        home,
        AS_OF,
        "build",
        "--select",
        "+collections_kpis_monthly",
        "+int_account_risk_features",
        "reconciliation_exceptions",
    )
    assert run.returncode == 0, run.stdout[-6000:]
    return home


def query(home: Path, sql: str) -> list[tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def test_history_invoices_enter_the_payment_history_with_days_late(built):
    assert query(
        built,
        "select account_id, invoice_key, settled_on, days_late, is_disputed, source "
        "from intermediate.int_invoice_payment_history order by invoice_key",
    ) == [
        ("C1", "NYC:1001", dt.date(2026, 2, 20), 11, False, "history"),
        ("C1", "NYC:1002", dt.date(2026, 3, 31), 24, True, "history"),
        ("C2", "NYC:1003", None, None, False, "history"),
        ("C2", "NYC:1004", dt.date(2026, 4, 2), -12, True, "history"),  # disputed by a collector
    ]


def test_monthly_kpis_on_a_foreign_history_match_hand_computed_values(built):
    # Jan: 1,000 open and current, all of January's sales: DSO 31, no CEI (0/0).
    # Feb: B 2,000 + C 500 open, current; Feb sales 2,500: DSO 28; CEI (1000+2500-2500)/(1000+2500-2500).
    # Mar: C 500 past due, D 1,500 current; Mar sales 1,500, Feb 2,500: DSO = 31 + 500/2500 x 28 = 36.60,
    #      best possible 31, ADD 5.60, CEI (2500+1500-2000)/(2500+1500-1500) = 80%.
    assert query(
        built,
        "select month_end, office, currency, open_ar, past_due_ar, current_ar, "
        "month_credit_sales, dso, best_possible_dso, average_days_delinquent, beginning_ar, "
        "collection_effectiveness_index from marts.collections_kpis_monthly order by month_end",
    ) == [
        (
            dt.date(2026, 1, 31),
            "NYC",
            "USD",
            Decimal("1000.00"),
            Decimal("0.00"),
            Decimal("1000.00"),
            Decimal("1000.00"),
            Decimal("31.00"),
            Decimal("31.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            None,
        ),
        (
            dt.date(2026, 2, 28),
            "NYC",
            "USD",
            Decimal("2500.00"),
            Decimal("0.00"),
            Decimal("2500.00"),
            Decimal("2500.00"),
            Decimal("28.00"),
            Decimal("28.00"),
            Decimal("0.00"),
            Decimal("1000.00"),
            Decimal("100.00"),
        ),
        (
            dt.date(2026, 3, 31),
            "NYC",
            "USD",
            Decimal("2000.00"),
            Decimal("500.00"),
            Decimal("1500.00"),
            Decimal("1500.00"),
            Decimal("36.60"),
            Decimal("31.00"),
            Decimal("5.60"),
            Decimal("2500.00"),
            Decimal("80.00"),
        ),
    ]


def features(home: Path) -> dict[tuple[str, dt.date], dict]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        cursor = con.execute("select * from intermediate.int_account_risk_features")
        names = [d[0] for d in cursor.description]
        return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def test_risk_features_start_at_the_first_whole_month_and_end_with_the_current_row(built):
    rows = features(built)
    assert sorted(rows) == [
        ("C1", dt.date(2026, 2, 28)),
        ("C1", dt.date(2026, 3, 31)),
        ("C1", dt.date(2026, 4, 15)),
        ("C2", dt.date(2026, 2, 28)),
        ("C2", dt.date(2026, 3, 31)),
        ("C2", dt.date(2026, 4, 15)),
    ]
    assert sorted(k for k, r in rows.items() if r["is_current"]) == [
        ("C1", dt.date(2026, 4, 15)),
        ("C2", dt.date(2026, 4, 15)),
    ]


def test_risk_features_use_only_what_was_known_at_each_as_of_date(built):
    rows = features(built)
    c1_feb = rows[("C1", dt.date(2026, 2, 28))]
    # A settled (11 days late); B open, not yet due; B's late payment and dispute are not known yet.
    assert (
        c1_feb["f_days_late_mean"],
        c1_feb["f_share_paid_late"],
        c1_feb["f_settled_invoices"],
        c1_feb["f_open_balance"],
        c1_feb["f_open_past_due_count"],
        c1_feb["f_disputes_365d"],
        c1_feb["baseline_last_days_late"],
        c1_feb["f_tenure_days"],
    ) == (11, 1, 1, 2000, 0, 0, 11, 49)
    # Its next invoice due after Feb 28 is B, paid 24 days late: known, and not late (<= 30).
    assert (c1_feb["label_days_late"], c1_feb["label_is_late"], c1_feb["label_known_on"]) == (
        24,
        False,
        dt.date(2026, 3, 31),
    )
    c1_mar = rows[("C1", dt.date(2026, 3, 31))]
    assert (
        c1_mar["f_days_late_mean"],
        c1_mar["f_open_balance"],
        c1_mar["f_disputes_365d"],
        c1_mar["baseline_last_days_late"],
    ) == (17.5, 0, 1, 24)
    c2_mar = rows[("C2", dt.date(2026, 3, 31))]
    # C is 9 days past due; D is open and current; nothing settled yet.
    assert (
        c2_mar["f_open_balance"],
        c2_mar["f_open_past_due_count"],
        c2_mar["f_max_days_past_due"],
        c2_mar["f_has_payment_history"],
        c2_mar["f_days_late_mean"],
    ) == (2000, 1, 9, 0, 0)
    # The next invoice due after Mar 31 is D, paid 12 days early.
    assert (c2_mar["label_days_late"], c2_mar["label_is_late"]) == (-12, False)
    # After Feb 28 C2's next due invoice is C: open 24 days past due at the run's date, not yet knowable.
    c2_feb = rows[("C2", dt.date(2026, 2, 28))]
    assert (c2_feb["label_days_late"], c2_feb["label_is_late"], c2_feb["label_known_on"]) == (
        None,
        None,
        None,
    )
    # Open balance 90 days before Mar 31 (Dec 31): nothing; invoice volume all new.
    assert (
        c2_mar["f_open_balance_change_90d"],
        c2_mar["f_invoices_last_90d"],
        c2_mar["f_invoice_volume_change"],
    ) == (1, 2, 1)


def test_risk_features_current_row_counts_settlements_up_to_the_run_date(built):
    c2_now = features(built)[("C2", dt.date(2026, 4, 15))]
    assert (
        c2_now["f_days_late_mean"],
        c2_now["f_share_paid_late"],
        c2_now["f_open_balance"],
        c2_now["f_max_days_past_due"],
        c2_now["label_days_late"],
    ) == (-12, 0, 500, 24, None)


def test_risk_features_point_in_time_test_ran(built):
    log = (built / "dbt-logs" / "dbt.log").read_text()
    assert "PASS assert_risk_features_are_point_in_time" in log


def test_risk_features_count_broken_promises_plans_behind_and_recorded_disputes_from_when_known(built):
    rows = features(built)
    assert [
        rows[("C1", day)]["f_broken_promises_365d"]
        for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 15))
    ] == [0, 1, 1]
    assert [
        rows[("C2", day)]["f_plan_behind"]
        for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 15))
    ] == [0, 1, 1]
    assert [rows[("C2", day)]["f_disputes_365d"] for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 31))] == [
        0,
        1,
    ]
    assert rows[("C1", dt.date(2026, 3, 31))]["f_plan_behind"] == 0
