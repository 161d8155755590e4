"""One report, read once through the Reports API and once as its CSV export: one ledger.

The report is a matrix of invoices by collector and stage down, office across, with what real
reports hold: name and lookup columns whose value is a record Id (`005…` collectors, `001…`
accounts), picklists whose API names differ from their labels, empty cells labelled `-`,
amounts of a multi-currency org, timestamps with seconds. The export carries what the report
shows and the footer Salesforce appends. Both land in a warehouse of their own through the
ingest, then dbt builds the ledger in each.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.salesforce_api import extract_to_landing
from orchestration.ingest.sources import salesforce_exports
from orchestration.policy import Policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt
from tests.factories import export
from tests.orchestration.ingest.salesforce_double import SalesforceDouble
from tests.orchestration.ingest.salesforce_report_runs import Column, GeneratedReport, export_text

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the run's start, as its edge gives it

REPORT_ID = "00O5g000004ArcAEAS"
COLUMNS = {  # ledger field -> the report's column (its API name, and its label in the export)
    "invoice_number": Column("CUST_NAME", "Invoice Number", "string"),
    "account_name": Column("ACCOUNT.NAME", "Account Name", "string"),
    "account_id": Column("Invoice__c.Account_Id_18__c", "Account ID", "string"),
    "office": Column("Invoice__c.Office__c", "Office", "picklist"),
    "project": Column("Invoice__c.Project__c", "Project", "string"),
    "project_director": Column("Invoice__c.Project_Director__c", "Project Director", "string"),
    "director_email": Column("Invoice__c.Director_Email__c", "Director Email", "email"),
    "collector": Column("Invoice__c.Collector__c", "Collector", "string"),
    "invoice_date": Column("Invoice__c.Invoice_Date__c", "Invoice Date", "date"),
    "due_date": Column("Invoice__c.Due_Date__c", "Due Date", "date"),
    "currency": Column("Invoice__c.CurrencyIsoCode", "Currency", "picklist"),
    "amount": Column("Invoice__c.Amount__c", "Amount", "currency"),
    "balance": Column("Invoice__c.Balance__c", "Balance", "currency"),
    "stage": Column("Invoice__c.Stage__c", "Stage", "picklist"),
    "last_modified_at": Column("Invoice__c.LastModifiedDate", "Last Modified Date", "datetime"),
}
COLLECTORS = [("0055g00000C0llAAAA", "Avery Brooks"), ("0055g00000C0llBAAA", "Harriet Cole")]
OFFICES = [("Office_01", "New York"), ("Office_02", "London")]
STAGES = [("STG_01", "Invoiced"), ("STG_03", "Follow Up"), ("STG_05", "Disputed")]
RAW_ROWS = """
    select invoice_number, account_name, account_id, office, project, project_director,
        director_email, collector, invoice_date, due_date, currency, amount, balance, stage,
        last_modified_at
    from raw.salesforce_invoices
    order by invoice_number
"""


def report_row(n: int) -> dict[str, Any]:
    """Invoice n of the report: API column -> value, `(value, label)` where the two differ."""
    values = {
        "invoice_number": (f"a015g00000Inv{n:03d}AAA", f"INV-{n:05d}"),
        "account_name": (f"0015g00000Acc{n % 4:03d}AAA", f"Client & Sons {n % 4}"),
        "account_id": f"0015g00000Acc{n % 4:03d}AAA",
        "office": OFFICES[n % 2],
        "project": None if n == 3 else (f"a025g00000Prj{n:03d}AAA", f"Bridge {n}"),
        "project_director": ("0035g00000DirAAAA", "Dana Diaz"),
        "director_email": "dana.diaz@client.example",
        "collector": COLLECTORS[n % 2],
        "invoice_date": date(2026, 8, n),
        "due_date": date(2026, 9, n),
        "currency": "USD",
        "amount": 12345.67 + n,
        "balance": 0.0 if n == 5 else 1000.5 * n,
        "stage": STAGES[n % 3],
        "last_modified_at": datetime(2026, 11, n, 14, 7, 30 + n, tzinfo=UTC),
    }
    return {COLUMNS[field].name: value for field, value in values.items()}


def ar_report(report_format: str = "MATRIX") -> GeneratedReport:
    """12 invoices; as a matrix by collector and stage down, office across."""
    grouped = report_format == "MATRIX"
    return GeneratedReport(
        REPORT_ID,
        [report_row(n) for n in range(1, 13)],
        report_format,
        groupings_down=(COLUMNS["collector"].name, COLUMNS["stage"].name) if grouped else (),
        groupings_across=(COLUMNS["office"].name,) if grouped else (),
        columns=tuple(COLUMNS.values()),
        name="AR by collector",
    )


def the_export(report: GeneratedReport) -> str:
    """The report's CSV export: what it shows, every field quoted, Salesforce's footer."""
    header = [column.label for column in report.columns]
    rows = [{c.label: export_text(c, row[c.name]) for c in report.columns} for row in report.rows]
    return export(rows, header=header)


def api_policy(**locale: str) -> Policy:
    data = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    salesforce = data["sources"]["salesforce"]
    salesforce["locale"].update(locale)
    salesforce["api"].update(
        report_id=REPORT_ID, report_columns={f: c.name for f, c in COLUMNS.items()}
    )
    return Policy.model_validate(data)


def ingest(home: Path, policy: Policy) -> list[tuple]:
    """Load what is in `home/landing/salesforce`; the raw rows' mapped fields, by number."""
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, policy)
        ingest_folder(con, salesforce_exports(policy), home / "landing", home / "archive",
                      home / "tmp", dt.datetime(2026, 11, 23, 12), settle_seconds=0)
        assert con.execute("select count(*) from quarantine.rejected_rows").fetchone() == (0,)
        return con.execute(RAW_ROWS).fetchall()


def landed_both_ways(
    tmp_path: Path, org: SalesforceDouble, session, session_env, policy: Policy, report_format: str
) -> tuple[Path, Path]:
    """The report extracted through the API into one home, its export dropped into another."""
    org.reports[REPORT_ID] = ar_report(report_format)
    via_api, via_export = tmp_path / "api", tmp_path / "export"
    extract_to_landing(policy, via_api / "landing" / "salesforce", session_env, NOW, session)
    exported = via_export / "landing" / "salesforce" / "AR by collector-2026-11-23-07-02-11.csv"
    exported.parent.mkdir(parents=True)
    exported.write_text(the_export(ar_report(report_format)), encoding="utf-8")
    return via_api, via_export


def ledger(home: Path) -> list[tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute("select * from marts.ar_ledger order by invoice_key").fetchall()


@pytest.mark.integration
@pytest.mark.parametrize("report_format", ["TABULAR", "MATRIX"])
def test_the_api_extract_and_the_export_of_a_report_load_the_same_rows(
    tmp_path: Path, org: SalesforceDouble, session, session_env, report_format: str
) -> None:
    policy = api_policy()
    via_api, via_export = landed_both_ways(tmp_path, org, session, session_env, policy, report_format)

    raw = ingest(via_api, policy)

    assert raw == ingest(via_export, policy)
    assert len(raw) == 12
    first = dict(zip(COLUMNS, raw[0], strict=True))
    assert (first["account_name"], first["collector"], first["office"], first["stage"]) == (
        "Client & Sons 1", "Harriet Cole", "LDN", "Follow Up")
    assert first["last_modified_at"] == datetime(2026, 11, 1, 14, 7)  # minutes, as exported


@pytest.mark.integration
def test_the_api_extract_and_the_export_of_a_report_make_one_ledger(
    tmp_path: Path, org: SalesforceDouble, session, session_env
) -> None:
    policy = api_policy()
    via_api, via_export = landed_both_ways(tmp_path, org, session, session_env, policy, "MATRIX")
    for home in (via_api, via_export):
        ingest(home, policy)
        built = dbt(home, "2026-11-23", "run", "--select", "+ar_ledger")
        assert built.returncode == 0, built.stdout[-3000:]

    rows = ledger(via_api)
    assert rows == ledger(via_export) and len(rows) == 12
    roster = {member.name for member in policy.team.collectors}
    with connect(via_api / "warehouse.duckdb", read_only=True) as con:
        collectors = con.execute("select distinct collector from marts.ar_ledger").fetchall()
    assert {c for (c,) in collectors} == {"Avery Brooks", "Harriet Cole"} <= roster


@pytest.mark.integration
def test_api_amounts_read_right_under_a_decimal_comma_locale(
    tmp_path: Path, org: SalesforceDouble, session, session_env
) -> None:
    policy = api_policy(decimal_separator=",", thousands_separator=".")
    via_api, _ = landed_both_ways(tmp_path, org, session, session_env, policy, "TABULAR")

    amounts = {row[0]: row[11] for row in ingest(via_api, policy)}

    assert str(amounts["INV-00001"]) == "12346.67"  # not 1234667.00
