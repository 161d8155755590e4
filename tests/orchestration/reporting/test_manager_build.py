"""The manager summary on marts that dbt built: the page's queries fit the real tables."""

import datetime as dt

import pytest

from orchestration.reporting.manager import read_summary, render_page
from orchestration.storage.warehouse import connect
from tests.dbt.collections.collections_warehouse import AS_OF, INVOICES, SCRIPT_ACCOUNT
from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import export
from tests.orchestration.reporting.test_manager import BUCKETS, Page

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MARTS = [
    "+ar_aging_daily",
    "+collector_workload",
    "+collections_kpis",
    "+alerts",
    "+account_risk",
    "+credit_limits",
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    home = tmp_path_factory.mktemp("manager")
    landing = home / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "invoices.csv").write_text(export(INVOICES))
    ingest_invoices(home)
    # Models and the snapshot only: the marts' own dbt tests belong to their own suites.
    result = dbt(
        home, AS_OF, "build", "--select", *MARTS, "--resource-type", "model", "--resource-type", "snapshot"
    )
    assert result.returncode == 0, result.stdout[-6000:]
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        html = render_page(read_summary(con, dt.date.fromisoformat(AS_OF), BUCKETS))
    return html, Page(html)


def test_every_section_reads_its_dbt_built_mart(page):
    _, parsed = page
    assert "missing" not in parsed.sections.values(), parsed.sections
    assert parsed.sections["aging"] == parsed.sections["workload"] == parsed.sections["kpis"] == "ready"


def test_aging_of_each_office_and_currency_is_its_own_chart(page):
    html, parsed = page
    assert "Aging trend, NYC, USD" in html and "Aging trend, LDN, GBP" in html
    assert parsed.tables["Open balance by aging bucket, LDN, GBP"][1][-1] == "700.00"


def test_account_names_from_the_ledger_are_escaped_on_the_page(page):
    html, parsed = page
    assert "<script" not in html
    names = [row[1] for row in parsed.tables["Top 20 riskiest accounts"][1:]]  # by name, not id
    assert SCRIPT_ACCOUNT in names
