"""`dbt build` of `marts.collections_kpis` on fixture exports, for two as-of dates in turn."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import export, row

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FIRST, SECOND = "2026-11-10", "2026-12-10"  # 30 days apart: the second run's CEI period start


def build(home: Path, as_of: str) -> None:
    result = dbt(home, as_of, "build", "--select", "+collections_kpis", "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-4000:]


def kpis(home: Path) -> list[tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(
            "select as_of_date, office, collector, currency, is_all_collectors, open_ar, dso, "
            "beginning_ar, beginning_ar_source from marts.collections_kpis order by all"
        ).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Chris (USD, New York) with open and paid invoices, Kim (GBP, London) with one open."""
    home = tmp_path_factory.mktemp("kpis")
    landing = home / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "kpis.csv").write_text(export([
        row("1", amount="$1,000.00", balance="$1,000.00", due="12/5/2026", **{"Invoice Date": "11/5/2026"}),
        row("2", amount="$3,100.00", balance="$2,000.00", due="11/14/2026", **{"Invoice Date": "10/15/2026"}),
        row("3", amount="$500.00", balance="$0.00", due="11/19/2026", Collector="Pat",
            **{"Invoice Date": "10/20/2026"}),
        row("4", office="London", amount="GBP 800.00", balance="GBP 800.00", Currency="GBP",
            Collector="Kim", due="11/9/2026", **{"Invoice Date": "11/2/2026"}),
    ]))
    ingest_invoices(home)
    build(home, FIRST)
    first = kpis(home)
    build(home, SECOND)
    build(home, SECOND)  # re-running a date replaces its rows
    return home, first


def test_collections_kpis_build_runs_the_unit_tests(built):
    home, _ = built
    assert all(name in (home / "dbt-logs" / "dbt.log").read_text() for name in (
        "test_kpis_countback_across_month_boundaries", "test_kpis_recorded_beginning_and_capped_countback"))


def test_collections_kpis_keep_one_row_per_grain_and_date(built):
    home, first = built
    rows = kpis(home)
    grains = [r[:5] for r in rows]
    assert len(grains) == len(set(grains))
    expected = {
        ("LDN", "Kim", "GBP", False), ("LDN", "(all collectors)", "GBP", True),
        ("NYC", "Chris", "USD", False), ("NYC", "Pat", "USD", False),
        ("NYC", "(all collectors)", "USD", True),
    }
    for as_of in (dt.date(2026, 11, 10), dt.date(2026, 12, 10)):
        assert {r[1:5] for r in rows if r[0] == as_of} == expected
    assert [r for r in rows if r[0] == dt.date(2026, 11, 10)] == first


def test_collections_kpis_second_date_starts_cei_from_the_recorded_first_date(built):
    home, first = built
    open_ar_first = {r[1:5]: r[5] for r in first}
    second = [r for r in kpis(home) if r[0] == dt.date(2026, 12, 10)]
    assert {r[8] for r in first} == {"reconstructed"}
    assert {r[8] for r in second} == {"recorded"}
    assert {r[1:5]: r[7] for r in second} == open_ar_first
    chris = next(r for r in first if r[2] == "Chris")
    assert (chris[5], chris[6]) == (Decimal("3000.00"), Decimal("30.00"))  # 10 + 2000/3100 x 31
