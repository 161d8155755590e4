"""Promises to pay, disputes, payment plans and alerts built by `dbt build` over two consecutive
as-of dates (11/23, then 11/24) on a small warehouse with Avery Brooks's collector entries, and
the worklist rows they put on Avery's list (per invoice, and per account in words)."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from orchestration.storage.warehouse import connect
from tests.dbt.collections.collections_warehouse import (
    AVERY,
    AVERY_EMAIL,
    add_entry,
    build_collections,
    dbt,
    entry,
    fail_check,
    rebuild,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAY_1, DAY_2 = "2026-11-23", "2026-11-24"
MANAGER = "dana.whitfield@meridianpartners.example"  # the roster's manager without an office


def query(home, sql):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


ALERTS = "select alert_key, kind, owner, owner_email, raised_on from marts.alerts order by alert_key"
AVERY_LIST = (
    "select rank, item_key, reason, next_action, priority_score, drivers, promise_id, promise_to_pay_amount, "
    "promise_to_pay_date, promise_to_pay_paid, dispute_id, dispute_reason "
    "from marts.collector_worklist_items where collector = 'Avery Brooks' order by rank"
)
AVERY_ACCOUNTS = (
    "select rank, item_key, reason, next_action, due_by, drivers, notes, contact_name "
    "from marts.collector_worklist where collector = 'Avery Brooks' order by rank"
)


def answer_dispute(home) -> None:
    """A director's portal answer whose status the policy maps to the Disputed stage."""
    with connect(home / "warehouse.duckdb") as con:
        con.execute(
            "insert into raw.director_updates values (2, 's2', 'dana@example.com', 'NYC:2006', "
            "'Client disputes the invoice', null, null, null, 'rate', null, "
            "timestamp '2026-11-23 18:00', timestamp '2026-11-23 18:00')"
        )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The warehouse built for day 1, re-run for day 1, then built for day 2 (after a check failed),
    with what each step left in the marts."""
    home = tmp_path_factory.mktemp("records")
    build_collections(home, DAY_1, records=True)
    seen = {
        "day1_alerts": query(home, ALERTS),
        "day1_list": query(home, AVERY_LIST),
        "day1_accounts": query(home, AVERY_ACCOUNTS),
        "day1_promises": query(
            home,
            "select promise_id, invoice_key, paid_amount, status, kept_on, broken_on "
            "from marts.promises_to_pay order by promise_id",
        ),
    }
    # the same day again, even asked to rebuild from scratch: the alerts' state is kept
    result = dbt(home, DAY_1, "run", "--select", "int_alerts_previous_run", "alerts", "--full-refresh")
    assert result.returncode == 0, result.stdout[-4000:]
    seen["day1_rerun_alerts"] = query(home, ALERTS)
    fail_check(home, dt.datetime(2026, 11, 24, 6, 30))
    answer_dispute(home)  # a director's answer moves NYC:2006 to Disputed before day 2's run
    rebuild(home, DAY_2)
    seen["day2_alerts"] = query(home, ALERTS)
    seen["day2_list"] = query(home, AVERY_LIST)
    seen["home"] = home
    return seen


def test_crossings_alert_exactly_once_over_two_as_of_dates(runs):
    day1 = {key for key, kind, *_ in runs["day1_alerts"] if kind.startswith("crossed")}
    day2 = {key for key, kind, *_ in runs["day2_alerts"] if kind.startswith("crossed")}
    # 6003 reached 30 on 11/23; 2002 (114 days) and the rest of the backlog are not raised.
    assert day1 == {"crossed_30:NYC:6003"}
    assert runs["day1_rerun_alerts"] == runs["day1_alerts"]
    # 6001 went 29 -> 30 and 6002 59 -> 60; 6003 (30 -> 31) is not raised again.
    assert day2 - day1 == {"crossed_30:NYC:6001", "crossed_60:NYC:6002"}
    raised_on = {key: str(on) for key, _, _, _, on in runs["day2_alerts"]}
    assert raised_on["crossed_30:NYC:6003"] == DAY_1 and raised_on["crossed_30:NYC:6001"] == DAY_2
    counts = query(runs["home"], "select count(*), count(distinct alert_key) from marts.alerts")
    assert counts[0][0] == counts[0][1] == len(runs["day2_alerts"])


def test_alerts_of_records_go_to_their_collector_with_the_rosters_email(runs):
    day1 = {key: (kind, owner, email) for key, kind, owner, email, _ in runs["day1_alerts"]}
    assert day1 == {
        "broken_promise:1": ("broken_promise", AVERY, AVERY_EMAIL),
        "crossed_30:NYC:6003": ("crossed_30", AVERY, AVERY_EMAIL),
        "dispute_overdue:5": ("dispute_overdue", AVERY, AVERY_EMAIL),
        "plan_behind:10:2": ("plan_behind", AVERY, AVERY_EMAIL),
    }


def test_day_two_raises_an_unmatched_payment_and_a_failed_check_once(runs):
    new = [row for row in runs["day2_alerts"] if str(row[4]) == DAY_2 and not row[1].startswith("crossed")]
    assert [(key, kind, owner, email) for key, kind, owner, email, _ in new] == [
        (
            f"check_failed:ledger_balance_within_amount@marts/ar_ledger:run-1:{MANAGER}",
            "check_failed",
            MANAGER,
            MANAGER,
        ),
        # loaded Saturday 11/21: more than one business day on Tuesday; Chris is not on the roster
        ("payment_unmatched:pay-gbp", "payment_unmatched", "Chris", None),
    ]


def test_a_broken_promise_is_rank_one_of_its_collectors_list_with_its_drivers(runs):
    for day in ("day1_list", "day2_list"):
        top = runs[day][0]
        assert top[:4] == (
            1,
            "NYC:6003",
            "promise_to_pay_broken",
            "Call the client: the payment they promised you did not come",
        )
        assert top[6:10] == ("1", Decimal("300.00"), dt.date(2026, 11, 20), Decimal("100.00"))
        drivers = {d["driver"]: d for d in json.loads(top[5], parse_float=Decimal)}
        assert drivers["promise_to_pay_broken"] == {
            "driver": "promise_to_pay_broken",
            "value": "promise broken: USD 300.00 by 20 Nov, USD 100.00 paid",
            "points": Decimal("250.00"),
        }
        assert sum(d["points"] for d in drivers.values()) == top[4]


def test_an_accounts_records_read_as_a_collector_says_them_with_their_numbers(runs):
    echo, golf = runs["day1_accounts"]
    assert echo[:5] == (
        1, "001E", "promise_to_pay_broken", "Call the client: the payment they promised you did not come",
        dt.date(2026, 11, 23))
    labels = {d["driver"]: (d["label"], d["points"]) for d in json.loads(echo[5], parse_float=Decimal)}
    assert labels["promise_to_pay_broken"] == (
        "promise broken: USD 300.00 by 20 Nov, USD 100.00 paid", Decimal("250.00"))
    assert labels["promise_to_pay_due"] == ("promised USD 250.00 by 25 Nov", Decimal("25.00"))
    assert labels["dispute_overdue"] == (
        "INV-00006005: dispute past its deadline of 20 Nov: Work not accepted", Decimal("45.00"))
    assert labels["no_contact"] == ("no contact for 1 day", Decimal("0.50"))  # the promise logged 11/22
    assert echo[6] == "INV-00006002: disputed, to settle by 10 Dec: Rate differs from the contract"
    assert echo[7] == "Erin Echo"
    assert golf[1:5] == (
        "001G", "plan_behind", "Call the client: the payment plan is behind", dt.date(2026, 11, 24))
    plan = next(d for d in json.loads(golf[5]) if d["driver"] == "plan_behind")
    assert plan["label"] == "payment plan behind: USD 1,000.50 due so far, USD 500.25 paid"


def test_a_promise_not_yet_due_and_a_plan_on_track_set_an_action_due_after_the_clients_date(tmp_path):
    """A pending promise is the account's next action, due the day after the promised date (not
    \"send a reminder\"), and stays so run after run; a plan on track waits for its installment."""
    build_collections(tmp_path, DAY_1, records=True)
    with connect(tmp_path / "warehouse.duckdb") as con:
        for entry_id, kind, account, values in (
            (20, "promise", "001C", {"currency": "USD", "promised_amount": "50.00",
                                     "promised_date": dt.date(2026, 12, 4)}),
            (21, "plan", "001D", {"currency": "USD", "plan_installments":
                                  '[{"due_on": "2026-12-01", "amount": "25.00"}, '
                                  '{"due_on": "2026-12-15", "amount": "25.00"}]'}),
        ):
            add_entry(con, entry(entry_id, kind, account, dt.datetime(2026, 11, 23, 9), **values))
    for day in (DAY_1, DAY_2):
        rebuild(tmp_path, day)
        listed = query(tmp_path, "select item_key, reason, next_action, due_by "
                                 "from marts.collector_worklist where item_key in ('001C', '001D')")
        rows = {key: (reason, action, due_by) for key, reason, action, due_by in listed}
        waiting = "Wait for the promised payment, then check it arrived"
        assert rows["001C"] == ("promise_to_pay_pending", waiting, dt.date(2026, 12, 5))
        checking = "Check the next plan installment arrived"
        assert rows["001D"] == ("plan_on_track", checking, dt.date(2026, 12, 2))
    notes = query(tmp_path, "select notes from marts.collector_worklist where item_key = '001D'")
    assert notes == [("payment plan on track: next USD 25.00 due 1 Dec",)]


def test_worklist_lists_the_collectors_records_with_their_reasons(runs):
    reasons = {
        item: (reason, dispute_reason)
        for _, item, reason, _, _, _, _, _, _, _, _, dispute_reason in runs["day1_list"]
    }
    assert reasons == {
        "NYC:6003": ("promise_to_pay_broken", None),
        "NYC:7001": ("plan_behind", None),
        "NYC:6005": ("dispute_overdue", "Work not accepted"),
        "NYC:6002": ("open_dispute", "Rate differs from the contract"),
        "NYC:6004": ("promise_to_pay_due", None),
        "NYC:6001": ("past_due", None),
        "NYC:6006": ("past_due", None),  # its dispute was resolved
    }


def test_an_open_dispute_shows_as_open_and_a_resolved_one_as_resolved(runs):
    rows = query(
        runs["home"],
        "select dispute_id, invoice_key, status, is_overdue, resolved_on, resolution "
        "from marts.disputes order by dispute_id",
    )
    assert rows == [
        ("4", "NYC:6002", "open", False, None, None),
        ("5", "NYC:6005", "open", True, None, None),
        ("6", "NYC:6006", "resolved", False, dt.date(2026, 11, 12), "Not a duplicate: client agreed"),
    ]


def test_promises_are_kept_or_broken_by_applied_payments(runs):
    assert runs["day1_promises"] == [
        ("1", "NYC:6003", Decimal("100.00"), "broken", None, dt.date(2026, 11, 21)),
        ("2", "NYC:6001", Decimal("200.00"), "kept", dt.date(2026, 11, 18), None),
        ("3", "NYC:6004", Decimal("0.00"), "pending", None, None),
    ]


def test_plan_running_balance_is_exact_to_the_cent(runs):
    rows = query(
        runs["home"],
        "select plan_id, installment_number, cumulative_due, paid_to_date, running_balance, "
        "status, is_current_plan from marts.payment_plans order by plan_id, installment_number",
    )
    assert rows == [
        ("10", 1, Decimal("500.25"), Decimal("500.25"), Decimal("1000.25"), "behind", True),
        ("10", 2, Decimal("1000.50"), Decimal("500.25"), Decimal("1000.25"), "behind", True),
        ("10", 3, Decimal("1500.50"), Decimal("500.25"), Decimal("1000.25"), "behind", True),
        ("9", 1, Decimal("1500.50"), Decimal("500.25"), Decimal("1000.25"), "superseded", False),
    ]


def test_timeline_holds_the_collectors_records_in_order(runs):
    kinds = query(
        runs["home"],
        "select kind, invoice_key from marts.account_timeline where account_id = '001E' "
        "and kind not in ('invoice_issued', 'invoice_due', 'stage_changed', 'payment_applied') "
        "order by sequence_number",
    )
    assert kinds == [
        ("dispute_opened", "NYC:6005"),
        ("dispute_opened", "NYC:6006"),
        ("promise_made", "NYC:6003"),
        ("dispute_resolved", "NYC:6006"),
        ("promise_made", "NYC:6001"),
        ("promise_kept", "NYC:6001"),
        ("outreach_sent", "NYC:6001"),
        ("outreach_rejected", "NYC:6002"),
        ("dispute_opened", "NYC:6002"),
        ("promise_broken", "NYC:6003"),
        ("collector_call", None),
        ("promise_made", "NYC:6004"),
    ]
    golf = query(
        runs["home"],
        "select kind, amount from marts.account_timeline where account_id = '001G' "
        "and kind like 'plan%' order by sequence_number",
    )
    assert golf == [
        ("plan_made", Decimal("1500.50")),
        ("plan_made", Decimal("1500.50")),
        ("plan_installment_due", Decimal("500.25")),
        ("plan_installment_due", Decimal("500.25")),
    ]  # the third installment falls due on 12/10: not an event before then


def test_a_stage_change_after_the_first_run_is_on_the_timeline_and_the_first_runs_stages_are_not(runs):
    changes = query(
        runs["home"],
        "select invoice_key, kind, detail, actor from marts.account_timeline where kind = 'stage_changed'",
    )
    assert changes == [("NYC:2006", "stage_changed", "INV-00002006 · Stage Follow Up → Disputed", "director")]
