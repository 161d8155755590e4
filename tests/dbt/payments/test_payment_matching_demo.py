"""Cash application on the demo generator's labelled payments: no wrong application, nearly
every placeable payment placed, every must-be-exception queued, re-runs stable."""

import datetime as dt

import pytest

from orchestration.demo import generate_demo
from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import LOADED_AT, POLICY, dbt, ingest_invoices
from tests.dbt.payments.demo_payments import load_truth_payments, match_quality

pytestmark = [pytest.mark.integration, pytest.mark.slow]
AS_OF = dt.date(2026, 11, 23)


def build(home) -> None:
    result = dbt(home, AS_OF.isoformat(), "build")
    assert result.returncode == 0, result.stdout[-5000:]


SNAPSHOT_QUERIES = (
    "select * from marts.payments order by all",
    "select * from marts.payment_applications order by all",
    "select * from marts.reconciliation_exceptions order by all",
)


def snapshot(home) -> list[list[tuple]]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return [con.execute(sql).fetchall() for sql in SNAPSHOT_QUERIES]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo_cash")
    generate_demo(home, POLICY, 20_000, 7, AS_OF, progress=False)
    ingest_invoices(home)
    with connect(home / "warehouse.duckdb") as con:
        load_truth_payments(con, home / "demo" / "truth", LOADED_AT)
    build(home)
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        quality = match_quality(con, home / "demo" / "truth")
    return home, quality


def test_demo_payments_are_never_applied_wrongly(demo):
    _, quality = demo
    assert quality.applications > 100
    assert quality.right_applications == quality.applications, quality.report()


def test_demo_placeable_payments_are_placed(demo):
    _, quality = demo
    assert quality.recall >= 0.98, quality.report()


def test_demo_must_be_exceptions_are_all_queued(demo):
    _, quality = demo
    assert quality.must_be_exceptions > 0
    assert quality.must_be_exceptions_queued == quality.must_be_exceptions, quality.report()


def test_demo_rerun_changes_nothing(demo):
    home, _ = demo
    before = snapshot(home)
    build(home)
    assert snapshot(home) == before
