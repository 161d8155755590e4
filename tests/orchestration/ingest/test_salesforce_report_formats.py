"""Every Reports API format gives each detail row once, or a clear error (never 0 rows).

Real captured runs (tabular, summary, matrix, a matrix without detail rows; `salesforce_samples/`,
cghall/salesforce-reporting, MIT) and generated reports grouped several levels down and across,
all served by the TLS double.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from orchestration.ingest.salesforce_api import SalesforceExtractError, fetch_report_rows
from tests.orchestration.ingest.salesforce_double import SalesforceDouble
from tests.orchestration.ingest.salesforce_report_runs import (
    GeneratedReport,
    SavedReport,
    invoice,
    sample,
)

TABULAR, SUMMARY, MATRIX = "00O58000000qu8XEAQ", "00O58000000qu8wEAA", "00O58000000quDdEAI"
SUMMARIES_ONLY = "00O58000000quEHEAY"
GENERATED = "00O5g000004GenAEAS"
INVOICE_NUMBER = {"invoice_number": "Invoice__c.Name"}
OFFICE, STAGE, ACCOUNT = "Invoice__c.Office__c", "Invoice__c.Stage__c", "Invoice__c.Account__c"
DUE = "Invoice__c.Due_Date__c"


@pytest.fixture
def org(org: SalesforceDouble) -> SalesforceDouble:
    for report_id, name in [
        (TABULAR, "cghall_tabular_basic.json"),
        (SUMMARY, "cghall_summary_basic_single_group.json"),
        (MATRIX, "cghall_matrix_basic.json"),
        (SUMMARIES_ONLY, "cghall_matrix_complex_summaries_only.json"),
    ]:
        org.reports[report_id] = SavedReport(sample(name))
    return org


@pytest.mark.parametrize(
    ("report_id", "columns", "count"),
    [
        (TABULAR, {"project_director": "FIRST_NAME", "account_name": "LAST_NAME"}, 20),
        (SUMMARY, {"account_name": "ACCOUNT.NAME", "amount": "SALES"}, 13),
        (MATRIX, {"project": "OPPORTUNITY_NAME", "amount": "AMOUNT"}, 18),
    ],
    ids=["tabular", "summary", "matrix"],
)
def test_real_runs_of_every_format_give_each_detail_row_once(
    sf, report_id: str, columns: dict[str, str], count: int
) -> None:
    rows = list(fetch_report_rows(sf, report_id, columns))

    assert len(rows) == len({tuple(r.values()) for r in rows}) == count


def test_the_real_matrix_run_adds_up_to_its_grand_total(sf) -> None:
    rows = list(fetch_report_rows(sf, MATRIX, {"amount": "AMOUNT"}))
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("3645000.00")  # T!T's s!AMOUNT


def grouped(report_format: str, down: tuple[str, ...], across: tuple[str, ...] = ()) -> GeneratedReport:
    """60 invoices in 2 offices, 2 stages, 7 accounts and 60 due dates."""
    rows = [invoice(n) for n in range(1, 61)]
    return GeneratedReport(GENERATED, rows, report_format, down, across)


@pytest.mark.parametrize(
    "report",
    [
        grouped("TABULAR", ()),
        grouped("SUMMARY", (OFFICE, STAGE, ACCOUNT)),
        grouped("MATRIX", (OFFICE,), (STAGE,)),
        grouped("MATRIX", (OFFICE, ACCOUNT), (STAGE,)),
        grouped("MATRIX", (STAGE,), (OFFICE, ACCOUNT)),
        grouped("MATRIX", (OFFICE, STAGE), (ACCOUNT, DUE)),
    ],
    ids=["tabular", "summary-3-down", "matrix-1x1", "matrix-2x1", "matrix-1x2", "matrix-2x2"],
)
def test_reports_grouped_at_any_depth_give_each_row_once(
    sf, org: SalesforceDouble, report: GeneratedReport
) -> None:
    org.reports[GENERATED] = report

    rows = list(fetch_report_rows(sf, GENERATED, INVOICE_NUMBER))

    assert sorted(r["invoice_number"] for r in rows) == [f"INV-{n:06d}" for n in range(1, 61)]


def test_the_double_answers_grouped_runs_with_every_subtotal_key(org: SalesforceDouble) -> None:
    """The real shape (cghall's matrix): a cell for each pair of groups at every level."""
    response = grouped("MATRIX", (OFFICE, STAGE), (ACCOUNT,)).run(None, include_details=True)
    keys = set(response["factMap"])
    assert {"T!T", "0!T", "0_1!T", "T!0", "0!0", "1_0!6"} <= keys
    assert len(keys) == (1 + 2 + 4) * (1 + 7)
    assert all(not response["factMap"][k]["rows"] for k in ("T!T", "0!T", "0!0", "T!0"))


def test_a_report_run_without_detail_rows_is_an_error_naming_it(sf) -> None:
    with pytest.raises(SalesforceExtractError) as caught:
        fetch_report_rows(sf, SUMMARIES_ONLY, {"amount": "AMOUNT"})
    message = str(caught.value)
    assert SUMMARIES_ONLY in message and "[Analytics API Test] Complex Matrix" in message
    assert "hasDetailRows: false" in message and "Detail Rows" in message


def test_a_report_saved_with_detail_rows_off_is_an_error(sf, org: SalesforceDouble) -> None:
    org.reports[GENERATED] = GeneratedReport(GENERATED, [invoice(1)], detail_rows=False)
    with pytest.raises(SalesforceExtractError) as caught:
        fetch_report_rows(sf, GENERATED, INVOICE_NUMBER)
    assert f"{GENERATED} ('Open invoices') returned no detail rows" in str(caught.value)
    assert "(it is saved with them off)" in str(caught.value)


def test_a_joined_report_is_refused_by_name(sf, org: SalesforceDouble) -> None:
    joined = sample("cghall_tabular_basic.json")
    joined["reportMetadata"]["reportFormat"] = "MULTI_BLOCK"
    org.reports[GENERATED] = SavedReport(joined)
    with pytest.raises(SalesforceExtractError) as caught:
        fetch_report_rows(sf, GENERATED, {"account_name": "ACCOUNT.NAME"})
    assert "[Analytics API Test] Basic Tabular" in str(caught.value)
    assert "joined report (MULTI_BLOCK)" in str(caught.value)


def test_rows_under_a_subtotal_only_are_an_error_not_zero_rows(sf, org: SalesforceDouble) -> None:
    moved = sample("cghall_summary_basic_single_group.json")
    fact_map = moved["factMap"]
    fact_map["T!T"]["rows"] = fact_map["0!T"].pop("rows") + fact_map["1!T"].pop("rows")
    org.reports[GENERATED] = SavedReport(moved)
    with pytest.raises(SalesforceExtractError, match="13 detail rows under its subtotal 'T!T' but 0"):
        fetch_report_rows(sf, GENERATED, {"account_name": "ACCOUNT.NAME"})


def test_rows_short_of_the_record_count_are_an_error(sf, org: SalesforceDouble) -> None:
    short = sample("cghall_summary_basic_single_group.json")
    del short["factMap"]["1!T"]["rows"][1:]
    org.reports[GENERATED] = SavedReport(short)
    with pytest.raises(SalesforceExtractError, match="counts 13 records but its detail cells hold 9"):
        fetch_report_rows(sf, GENERATED, {"account_name": "ACCOUNT.NAME"})


def test_a_matrix_report_past_2000_rows_is_paged_as_tabular(sf, org: SalesforceDouble) -> None:
    rows = [invoice(n) for n in range(1, 4501)]
    org.reports[GENERATED] = GeneratedReport(GENERATED, rows, "MATRIX", (OFFICE,), (STAGE,))

    read = list(fetch_report_rows(sf, GENERATED, INVOICE_NUMBER, "Invoice__c.Name"))

    assert sorted(r["invoice_number"] for r in read) == [f"INV-{n:06d}" for n in range(1, 4501)]
    pages = [r.body["reportMetadata"] for r in org.calls(rf"analytics/reports/{GENERATED}$")[1:]]
    assert len(pages) == 3
    assert all(p["reportFormat"] == "TABULAR" for p in pages)
    assert all(not p["groupingsDown"] and not p["groupingsAcross"] for p in pages)
