"""`dunning.daily_limit`: a day's runs draft at most that many notices, the most pressing accounts
first; the others are held with the reason and drafted on later days, none dropped."""

import datetime as dt

import pytest

from orchestration.dunning.drafting import plan_day, policy_sha256, run_day
from orchestration.storage.warehouse import connect
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

DUE = dt.date(2026, 11, 2)
FIRST = DUE + dt.timedelta(days=20)  # every invoice past its first two steps: a backlog


def _limited(limit):
    def change(data):
        data["dunning"]["daily_limit"] = limit
    return change


def _book(home, accounts: int):
    """`accounts` accounts, one invoice each; account n owes n x 100 and is n days more overdue."""
    invoices = [ledger_invoice(str(100 + n), f"A{n:02d}", f"Account {n}", f"{n * 100}.00",
                               DUE - dt.timedelta(days=n)) for n in range(1, accounts + 1)]
    contacts = [(f"A{n:02d}", f"Ann {n}", f"ann{n}@a{n}.example", None, None, None, None)
                for n in range(1, accounts + 1)]
    build(home, invoices, contacts)


def _run(home, config, day):
    with connect(home / "warehouse.duckdb") as con:
        return run_day(con, policy(config), policy_sha256(config), home, day,
                       dt.datetime.combine(day, dt.time(5), dt.UTC), lambda *a, **k: None)


def _drafted_accounts(home, day) -> list[str]:
    with connect(home / "warehouse.duckdb") as con:
        return [r[0] for r in con.execute(
            "select account_id from outreach.dunning_notices where run_on = ? order by account_id",
            [day]).fetchall()]


def test_a_backlog_is_drafted_within_the_limit_most_pressing_first_and_the_rest_on_later_days(tmp_path):
    config = write_policy(tmp_path / "config", _limited(3))
    _book(tmp_path, 7)

    first = _run(tmp_path, config, FIRST)
    assert len(first.drafted) == 3
    assert _drafted_accounts(tmp_path, FIRST) == ["A05", "A06", "A07"]  # longest overdue, owing most
    held = [h for h in first.plan.held if h.reason == "daily_limit"]
    assert sorted(h.account_id for h in held) == ["A01", "A02", "A03", "A04"]
    assert "at most 3 new notices a day" in held[0].detail

    again = _run(tmp_path, config, FIRST)  # a refresh the same day: the day's room is used up
    assert again.drafted == [] and first.plan.held_counts()["daily_limit"] == 4

    next_day = FIRST + dt.timedelta(days=1)
    second = _run(tmp_path, config, next_day)
    assert _drafted_accounts(tmp_path, next_day) == ["A02", "A03", "A04"]
    third_day = next_day + dt.timedelta(days=1)
    _run(tmp_path, config, third_day)
    assert _drafted_accounts(tmp_path, third_day) == ["A01"]
    assert second.plan.held_counts().get("daily_limit") == 1


@pytest.mark.parametrize("limit", [None, 7, 50])
def test_without_a_limit_or_with_room_the_plan_is_untouched(tmp_path, limit):
    config = write_policy(tmp_path / "config", _limited(limit))
    _book(tmp_path, 7)
    with connect(tmp_path / "warehouse.duckdb") as con:
        plan = plan_day(con, policy(config), FIRST, tmp_path)
    assert len(plan.notices) == 7
    assert "daily_limit" not in plan.held_counts()


def test_the_limit_is_refused_below_one(tmp_path):
    with pytest.raises(Exception, match="daily_limit"):
        policy(write_policy(tmp_path / "config", _limited(0)))
