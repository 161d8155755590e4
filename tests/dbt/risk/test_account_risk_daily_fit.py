"""The day's risk model (`int_account_risk_fits`): a later run of the day scores with the model
the day's first run fitted, whatever the history now says; a full rebuild keeps it; the next day
fits again, on what arrived meanwhile."""

import datetime as dt

import pytest

from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt
from tests.dbt.risk.account_risk_warehouse import AS_OF, LATE, build_risk

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NEXT_DAY = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=1)).isoformat()
NEW = "N00"
"""A late payer whose history arrives after the day's first run (L00's, renumbered)."""


def risk(home) -> tuple[dict[str, tuple[float, str]], list[tuple]]:
    """Each account's (score, model version), and the fits kept (day, version)."""
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        scores = {a: (s, v) for a, s, v in con.execute(
            "select account_id, risk_score, model_version from marts.account_risk").fetchall()}
        fits = con.execute(
            "select cast(as_of as varchar), model_version from intermediate.int_account_risk_fits order by 1"
        ).fetchall()
    return scores, fits


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("daily-fit")
    build_risk(home)
    first = risk(home)
    with connect(home / "warehouse.duckdb") as con:
        con.execute(
            "insert into raw.salesforce_invoices select * replace ("
            " $new as account_id, 'Account ' || $new as account_name,"
            " $new || invoice_number as invoice_number)"
            " from raw.salesforce_invoices where account_id = $late",
            {"new": NEW, "late": LATE[0]})
    build_risk(home)
    later = risk(home)
    result = dbt(home, AS_OF, "build", "--full-refresh", "--select", "+account_risk")
    assert result.returncode == 0, result.stdout[-6000:]
    rebuilt = risk(home)
    build_risk(home, NEXT_DAY)
    return {"first": first, "later": later, "rebuilt": rebuilt, "next day": risk(home)}


def test_the_days_first_run_fits_one_model_and_scores_with_it(runs):
    scores, fits = runs["first"]
    assert [day for day, _ in fits] == [AS_OF]
    assert {version for _, version in scores.values()} == {fits[0][1]}


def test_a_later_run_of_the_day_scores_with_the_days_model_though_the_history_changed(runs):
    first_scores, first_fits = runs["first"]
    scores, fits = runs["later"]
    assert fits == first_fits
    assert set(scores) == {*first_scores, NEW}
    assert scores[NEW][1] == fits[0][1]
    assert {a: scores[a] for a in first_scores} == first_scores, "an unchanged account's score moved"


def test_a_full_rebuild_keeps_the_days_model(runs):
    assert runs["rebuilt"] == runs["later"]


def test_the_next_day_fits_again_on_the_history_as_it_now_is(runs):
    scores, fits = runs["next day"]
    assert [day for day, _ in fits] == [AS_OF, NEXT_DAY]
    assert fits[1][1] != fits[0][1]
    assert {version for _, version in scores.values()} == {fits[1][1]}
