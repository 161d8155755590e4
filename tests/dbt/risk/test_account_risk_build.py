"""`dbt build` of marts.account_risk (the dbt Python model) and marts.credit_limits on two years
of payment history, and a second run that remembers the first run's limits."""

import json
import math
from decimal import Decimal

import pytest

from orchestration.storage.warehouse import connect
from tests.dbt.risk.account_risk_warehouse import AS_OF, DRIFTING, LATE, STEADY, build_risk

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NEXT_RUN = "2026-12-23"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("risk")
    build_risk(home)
    return home


def query(home, sql, params=None):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_account_risk_build_runs_its_dbt_tests(home):
    log = (home / "dbt-logs" / "dbt.log").read_text()
    for test in (
        "assert_account_risk_drivers_reproduce_score",
        "unique_account_risk_account_id",
        "accepted_values_account_risk_risk_band",
        "assert_credit_limit_within_policy",
    ):
        assert test in log


def test_account_risk_scores_every_account_at_the_run_date_with_a_fitted_model(home):
    rows = query(home, "select account_id, as_of, model_version from marts.account_risk")
    assert sorted(r[0] for r in rows) == sorted(STEADY + LATE + DRIFTING)
    assert {str(r[1]) for r in rows} == {AS_OF}
    assert len({r[2] for r in rows}) == 1 and rows[0][2].startswith("logreg-")


def test_account_risk_drivers_reproduce_every_score(home):
    for score, intercept, drivers in query(
        home, "select risk_score, intercept, drivers from marts.account_risk"
    ):
        total = intercept + sum(d["contribution"] for d in json.loads(drivers))
        assert abs(total - (math.log(score) - math.log1p(-score))) < 1e-9


def test_account_risk_ranks_late_payers_above_steady_ones(home):
    scores = dict(query(home, "select account_id, risk_score from marts.account_risk"))
    assert min(scores[a] for a in LATE) > max(scores[a] for a in STEADY)
    bands = dict(query(home, "select account_id, risk_band from marts.account_risk"))
    assert {bands[a] for a in STEADY} == {"low"} and {bands[a] for a in LATE} == {"high"}


def test_account_risk_drivers_are_json_a_sql_model_can_read(home):
    (feature,) = query(
        home, "select drivers->>'$[0].feature' from marts.account_risk where account_id = 'L00'"
    )[0]
    assert feature.startswith("f_")


def test_credit_limits_suggest_one_limit_per_account_and_currency_within_bounds(home):
    rows = query(
        home,
        "select account_id, currency, suggested_limit, previous_limit, change_reason "
        "from marts.credit_limits",
    )
    assert sorted(r[0] for r in rows) == sorted(STEADY + LATE + DRIFTING)
    assert {r[1] for r in rows} == {"USD"}
    assert all(Decimal("5000") <= r[2] <= Decimal("1000000") for r in rows)
    assert all(r[3] is None and r[4].startswith("new: ") for r in rows)


def test_credit_limit_of_a_steady_payer_leaves_room_above_its_peak(home):
    ((peak, target, reason),) = query(
        home,
        "select peak_exposure_12m, target_limit, change_reason from marts.credit_limits "
        "where account_id = 'S11'",
    )
    assert target == (peak / Decimal("0.75") * Decimal("1.25") / 100).quantize(Decimal("1")) * 100
    assert reason.startswith("new: pays on time (low risk, ")
    assert "% utilized (open " in reason


def test_credit_limit_of_a_late_payer_is_cut_to_the_high_band_factor(home):
    ((peak, target, reason),) = query(
        home,
        "select peak_exposure_12m, target_limit, change_reason from marts.credit_limits "
        "where account_id = 'L00'",
    )
    assert target == (peak / Decimal("0.75") * Decimal("0.7") / 100).quantize(Decimal("1")) * 100
    assert reason.startswith("new: last invoice paid ") and "days late (high risk, " in reason


@pytest.fixture(scope="module")
def next_run(home):
    """Last run's limits, two of them far from what this run suggests, then a run a month later."""
    with connect(home / "warehouse.duckdb") as con:
        con.execute("update marts.credit_limits set suggested_limit = 100000 where account_id = 'L00'")
        con.execute("update marts.credit_limits set suggested_limit = 6000 where account_id = 'S11'")
        con.execute("update marts.credit_limits set suggested_limit = 1000 where account_id = 'S10'")
        rows = dict(con.execute("select account_id, suggested_limit from marts.credit_limits").fetchall())
    build_risk(home, NEXT_RUN, ["credit_limits"])
    return rows


def limit(home, account):
    return query(
        home,
        "select suggested_limit, previous_limit, change_reason, as_of from marts.credit_limits "
        "where account_id = $a",
        {"a": account},
    )[0]


def test_credit_limit_falls_by_at_most_the_step_change_from_the_previous_run(home, next_run):
    suggested, previous, reason, as_of = limit(home, "L00")
    assert (previous, suggested) == (Decimal("100000.00"), Decimal("75000.00"))
    assert reason.startswith("lowered: ") and reason.endswith("; cut by at most the 25% step change")
    assert str(as_of) == NEXT_RUN


def test_credit_limit_rises_by_at_most_the_step_change_from_the_previous_run(home, next_run):
    suggested, previous, reason, _ = limit(home, "S11")
    assert (previous, suggested) == (Decimal("6000.00"), Decimal("7500.00"))
    assert reason.startswith("raised: pays on time") and reason.endswith("; capped at the 25% step change")


def test_credit_limit_below_the_policy_minimum_is_raised_to_it(home, next_run):
    suggested, previous, reason, _ = limit(home, "S10")
    assert (previous, suggested) == (Decimal("1000.00"), Decimal("5000.00"))
    assert reason.startswith("raised: ")


def test_credit_limits_rerun_on_the_same_day_keeps_the_previous_limit(home, next_run):
    before = limit(home, "L00")
    build_risk(home, NEXT_RUN, ["credit_limits"])
    assert limit(home, "L00") == before
