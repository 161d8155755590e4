"""Who reached the customer and who answered is dated by the team's day, as runs age invoices: a
call logged at 21:00 in New York (02:00 UTC the next day) is that evening's touch and answer, so
the next morning's dunning sees it."""

from __future__ import annotations

import datetime as dt

from orchestration.dunning.engagement import load_engagement
from orchestration.storage.warehouse import connect

EVENING_IN_NEW_YORK = dt.datetime(2026, 12, 6, 2, 0)  # UTC: 5 Dec 2026, 21:00 in New York
DAY = dt.date(2026, 12, 5)


def test_a_call_logged_in_the_evening_counts_on_the_teams_day(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as con:
        _check(con)


def _check(con) -> None:
    con.execute(
        "insert into raw.collector_entries by name select 1 as entry_id, 's1' as submission_id, "
        "'a@example.com' as collector_email, 'Ana' as collector, 'call' as kind, 'ACME' as account_id, "
        "'reached' as call_outcome, $at as submitted_at, $at as _loaded_at",
        {"at": EVENING_IN_NEW_YORK},
    )
    found = load_engagement(con, DAY, None, "America/New_York")
    assert found.touches["ACME"] == {DAY}
    assert found.responses["ACME"] == DAY
    assert found.contacts["ACME"] == {(DAY, "call logged (reached)")}
    in_london = load_engagement(con, DAY, None, "Europe/London")  # 02:00 on the 6th there
    assert "ACME" not in in_london.touches and "ACME" not in in_london.responses
