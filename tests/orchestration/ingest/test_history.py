"""Invoice history from another system: a mapped export (the IBM accounts-receivable sample's
columns by default) loads into raw.history_invoices, bad rows go to quarantine with the reason."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import xlsxwriter
import yaml

from orchestration.defs.ingest.history import history_files_reconcile, history_invoices
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.files import ingest_folder, register_lookups
from orchestration.ingest.history import history_exports, register_history_settings
from orchestration.policy import PolicyError, load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect

POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")
NOW = dt.datetime(2026, 11, 23, 12, 0)
IBM_HEADER = (
    "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,"
    "SettledDate,PaperlessBill,DaysToSettle,DaysLate\n"
)


def write_policy(tmp_path: Path, history: dict | None) -> Path:
    data = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    if history is None:
        data["sources"].pop("history", None)
    else:
        data["sources"]["history"] = history
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def ingest(home: Path, policy=POLICY):
    with connect(home / "warehouse.duckdb") as con:
        register_lookups(con, policy)
        register_history_settings(con, policy)
        return ingest_folder(
            con, history_exports(policy), home / "landing", home / "archive", home / "tmp", NOW,
            settle_seconds=0,
        )


def query(home: Path, sql: str):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def drop(home: Path, name: str, text: str) -> Path:
    folder = home / "landing" / "history"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_history_ibm_sample_export_loads_with_the_default_mapping(tmp_path):
    drop(
        tmp_path,
        "ibm.csv",
        IBM_HEADER
        + "391,0379-NEVHP,4/6/2013,611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
        + '406,8976-AMJEO,3/3/2012,7900770,1/26/2013,2/25/2013,"1,061.74",Yes,3/3/2013,Electronic,36,6\n'
        + "406,8976-AMJEO,3/3/2012,7900771,11/2/2026,12/2/2026,80.00,,,Electronic,,\n",
    )
    (result,) = ingest(tmp_path)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        3,
        3,
        0,
    )
    assert query(
        tmp_path,
        "select account_id, invoice_number, office, invoice_date, due_date, amount, "
        "currency, is_disputed, settled_on from raw.history_invoices order by _row_number",
    ) == [
        (
            "0379-NEVHP",
            "611365",
            "NYC",
            dt.date(2013, 1, 2),
            dt.date(2013, 2, 1),
            Decimal("55.94"),
            "USD",
            False,
            dt.date(2013, 1, 15),
        ),
        (
            "8976-AMJEO",
            "7900770",
            "NYC",
            dt.date(2013, 1, 26),
            dt.date(2013, 2, 25),
            Decimal("1061.74"),
            "USD",
            True,
            dt.date(2013, 3, 3),
        ),
        (
            "8976-AMJEO",
            "7900771",
            "NYC",
            dt.date(2026, 11, 2),
            dt.date(2026, 12, 2),
            Decimal("80.00"),
            "USD",
            False,
            None,
        ),
    ]


def test_history_bad_rows_are_quarantined_with_file_row_field_and_every_reason(tmp_path):
    drop(
        tmp_path,
        "bad.csv",
        IBM_HEADER
        + "391,,4/6/2013,611365,1/2/2013,2/1/2013,55.94,Maybe,3/33/2013,Paper,13,0\n"
        + "391,0379-NEVHP,4/6/2013,611366,1/2/2013,,abc,No,,Paper,13,0\n"
        + "391,0379-NEVHP,4/6/2013,611367,1/2/2013,2/1/2013,10.00,no,1/20/2013,Paper,13,0\n",
    )
    (result,) = ingest(tmp_path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 1, 2)
    rows = query(
        tmp_path,
        "select source, source_file, row_number, field, reason, raw_record->>'customerID' "
        "from quarantine.rejected_rows order by row_number",
    )
    assert rows == [
        (
            "history",
            "bad.csv",
            2,
            "account_id",
            "customerID is empty; Disputed 'Maybe' is not yes/no, true/false or 1/0; "
            "SettledDate '3/33/2013' is not a valid date",
            None,
        ),
        (
            "history",
            "bad.csv",
            3,
            "due_date",
            "DueDate is empty; InvoiceAmount 'abc' is not an amount",
            "0379-NEVHP",
        ),
    ]


def test_history_same_file_twice_is_processed_once(tmp_path):
    text = IBM_HEADER + "391,0379-NEVHP,4/6/2013,611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
    drop(tmp_path, "a.csv", text)
    ingest(tmp_path)
    drop(tmp_path, "a-again.csv", text)
    (again,) = ingest(tmp_path)
    assert again.status == "duplicate"
    assert query(tmp_path, "select count(*) from raw.history_invoices") == [(1,)]


def test_history_mapping_with_office_and_currency_columns_and_day_first_dates(tmp_path):
    policy = load_policy(
        write_policy(
            tmp_path,
            {
                "locale": {"date_order": "DMY", "decimal_separator": ",", "thousands_separator": "."},
                "columns": {
                    "account_id": "Kunde",
                    "invoice_number": "Rechnung",
                    "invoice_date": "Datum",
                    "due_date": "Fällig",
                    "amount": "Betrag",
                    "currency": "Währung",
                    "is_disputed": "Strittig",
                    "settled_on": "Bezahlt",
                    "office": "Büro",
                },
            },
        )
    )
    drop(
        tmp_path,
        "erp.csv",
        "Kunde;Rechnung;Datum;Fällig;Betrag;Währung;Strittig;Bezahlt;Büro\n".replace(";", ",")
        + 'K1,R-7,03.02.2026,05.03.2026,"1.234,50",gbp,1,10.03.2026,London\n'
        + "K2,R-8,03.02.2026,05.03.2026,10,USD,0,,Paris\n",
    )
    (result,) = ingest(tmp_path, policy)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert query(
        tmp_path,
        "select office, invoice_date, amount, currency, is_disputed, settled_on from raw.history_invoices",
    ) == [("LDN", dt.date(2026, 2, 3), Decimal("1234.50"), "GBP", True, dt.date(2026, 3, 10))]
    assert query(tmp_path, "select field, reason from quarantine.rejected_rows") == [
        ("office", "Büro 'Paris' is not an office in ledgerloop.yaml (add it to offices:, as an office "
                   "or an alias of one)")
    ]


def test_history_spreadsheet_export_loads(tmp_path):
    folder = tmp_path / "landing" / "history"
    folder.mkdir(parents=True)
    workbook = xlsxwriter.Workbook(str(folder / "history.xlsx"))
    sheet = workbook.add_worksheet("AR")
    for r, values in enumerate(
        [
            [
                "customerID",
                "invoiceNumber",
                "InvoiceDate",
                "DueDate",
                "InvoiceAmount",
                "Disputed",
                "SettledDate",
            ],
            ["C1", 611365, dt.date(2013, 1, 2), dt.date(2013, 2, 1), 55.94, "No", dt.date(2013, 1, 15)],
        ]
    ):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(
                    r,
                    c,
                    dt.datetime.combine(value, dt.time()),
                    workbook.add_format({"num_format": "m/d/yyyy"}),
                )
            else:
                sheet.write(r, c, value)
    workbook.close()
    (result,) = ingest(tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    assert query(
        tmp_path, "select invoice_number, invoice_date, amount, settled_on from raw.history_invoices"
    ) == [("611365", dt.date(2013, 1, 2), Decimal("55.94"), dt.date(2013, 1, 15))]


def test_history_policy_without_the_section_still_loads(tmp_path):
    assert load_policy(write_policy(tmp_path, None)).sources.history is None


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ({"office": "NYC"}, "sources.history: map a 'currency' column or set 'currency'"),
        ({"currency": "USD"}, "sources.history: map a 'office' column or set 'office'"),
        ({"currency": "usd", "office": "NYC"}, "sources.history.currency: String should match pattern"),
        (
            {"currency": "USD", "office": "NYC", "columns": {"account_id": "customerID"}},
            "sources.history.columns: required ledger field(s) ['invoice_number', 'invoice_date', "
            "'due_date', 'amount']",
        ),
    ],
)
def test_history_policy_errors_name_the_key(tmp_path, history, message):
    with pytest.raises(PolicyError) as error:
        load_policy(write_policy(tmp_path, history))
    assert message in str(error.value)


def test_history_asset_loads_files_and_its_reconcile_check_passes(tmp_path):
    drop(
        tmp_path,
        "ibm.csv",
        IBM_HEADER
        + "391,0379-NEVHP,4/6/2013,611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
        + "391,,4/6/2013,611366,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0\n"
        + "".join(f"391,0379-NEVHP,4/6/2013,61137{n},1/2/2013,2/1/2013,10.00,No,1/15/2013,Paper,13,0\n"
                  for n in range(3)),
    )
    resource = LedgerloopResource(home=str(tmp_path), config_path=str(REPO_ROOT / "ledgerloop.yaml"))
    result = dg.materialize([history_invoices, history_files_reconcile], resources={"ledgerloop": resource})
    assert result.success
    (materialization,) = result.asset_materializations_for_node("history__invoices")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert (metadata["rows_read"], metadata["rows_loaded"], metadata["rows_quarantined"]) == (5, 4, 1)
    assert all(check.passed for check in result.get_asset_check_evaluations())
    assert len(result.get_asset_check_evaluations()) == 2  # reconcile and quarantined share
