"""The live-org extract against a Salesforce double on real loopback TLS (salesforce_double)."""

from __future__ import annotations

import csv
import random
import socket
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from orchestration.ingest.salesforce_api import (
    SalesforceCredentials,
    SalesforceExtractError,
    connect,
    extract_to_landing,
    fetch_report_rows,
    fetch_soql_rows,
)
from orchestration.policy import Policy
from tests.orchestration.ingest.salesforce_double import SalesforceDouble
from tests.orchestration.ingest.salesforce_report_runs import (
    GeneratedReport,
    SavedReport,
    invoice,
    sample,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the run's start, as its edge gives it

REPO = Path(__file__).resolve().parents[3]
SAMPLE_REPORT = "00O58000000qu8wEAA"
INVOICE_REPORT = "00O5g000004InvAEAS"
BIG_REPORT = "00O5g000004BigAEAS"
UNKNOWN_REPORT = "00O5g000009ZzzZEAA"
USERNAME, PASSWORD, TOKEN = "ar@acme.example", "Corr3ct-Horse!", "TOKENabc123"

REPORT_COLUMNS = {
    "invoice_number": "Invoice__c.Name",
    "account_name": "Account.Name",
    "account_id": "Invoice__c.Account__c",
    "office": "Invoice__c.Office__c",
    "invoice_date": "Invoice__c.Invoice_Date__c",
    "due_date": "Invoice__c.Due_Date__c",
    "currency": "Invoice__c.CurrencyIsoCode",
    "amount": "Invoice__c.Amount__c",
    "balance": "Invoice__c.Balance__c",
    "stage": "Invoice__c.Stage__c",
    "last_modified_at": "Invoice__c.LastModifiedDate",
}
SOQL = (
    "SELECT Name, Account__r.Name, Account__r.Owner.Email, Office__c, Invoice_Date__c, "
    "Due_Date__c, Amount__c, Balance__c, LastModifiedDate FROM Invoice__c"
)
SOQL_FIELDS = {
    "invoice_number": "Name",
    "account_name": "account__r.name",  # SOQL is case-insensitive; the JSON keys are not
    "director_email": "Account__r.Owner.Email",
    "office": "Office__c",
    "invoice_date": "Invoice_Date__c",
    "due_date": "Due_Date__c",
    "amount": "Amount__c",
    "balance": "Balance__c",
    "last_modified_at": "LastModifiedDate",
}


def soql_record(number: int, account: str | None) -> dict[str, Any]:
    """A record shaped like restforce's paginated query fixtures, with relationships."""
    owner = {"attributes": {"type": "User", "url": "/services/data/v59.0/sobjects/User/005x"}}
    return {
        "attributes": {
            "type": "Invoice__c",
            "url": f"/services/data/v59.0/sobjects/Invoice__c/a015g00000{number:08d}",
        },
        "Name": f"INV-{number:06d}",
        "Account__r": None
        if account is None
        else {
            "attributes": {"type": "Account", "url": "/services/data/v59.0/sobjects/Account/001x"},
            "Name": account,
            "Owner": {**owner, "Email": f"owner{number}@acme.example"},
        },
        "Office__c": "London",
        "Invoice_Date__c": "2026-10-01",
        "Due_Date__c": "2026-10-31",
        "Amount__c": 1e7 if number == 1 else 1234.5,
        "Balance__c": 0.1 + 0.2,
        "LastModifiedDate": "2026-11-07T05:14:00.000-0500",
    }


SOQL_RECORDS = [soql_record(n, None if n == 3 else f"Client {n}") for n in range(1, 6)]


@pytest.fixture
def org(org: SalesforceDouble) -> SalesforceDouble:
    """The org with this module's user, reports and query."""
    org.users[USERNAME] = PASSWORD + TOKEN
    org.reports[SAMPLE_REPORT] = SavedReport(sample("cghall_summary_basic_single_group.json"))
    org.reports[INVOICE_REPORT] = GeneratedReport(
        INVOICE_REPORT,
        [
            invoice(1, **{"Invoice__c.Amount__c": 1234.5}),
            invoice(2, **{"Invoice__c.Balance__c": None, "Invoice__c.Amount__c": 0.1 + 0.2}),
            invoice(3),
        ],
    )
    org.queries[SOQL] = SOQL_RECORDS
    return org


@pytest.fixture
def login_host(monkeypatch: pytest.MonkeyPatch, org: SalesforceDouble) -> None:
    """Resolve login.salesforce.com:443 to the double (the certificate names that host too)."""
    real = socket.getaddrinfo

    def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> list:
        if host == "login.salesforce.com":
            return real("127.0.0.1", org.port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def login_env(password: str = PASSWORD) -> dict[str, str]:
    return {
        "SALESFORCE_USERNAME": USERNAME,
        "SALESFORCE_PASSWORD": password,
        "SALESFORCE_SECURITY_TOKEN": TOKEN,
    }


def policy_with_api(**api: Any) -> Policy:
    data = yaml.safe_load((REPO / "ledgerloop.yaml").read_text(encoding="utf-8"))
    data["sources"]["salesforce"]["api"].update(api)
    return Policy.model_validate(data)


def big_report() -> GeneratedReport:
    """4,500 invoices in no useful order, grouped by office, with OR filter logic."""
    rows = [invoice(n) for n in range(1, 4501)]
    random.Random(7).shuffle(rows)
    return GeneratedReport(
        BIG_REPORT,
        rows,
        report_format="SUMMARY",
        groupings_down=("Invoice__c.Office__c",),
        filters=[
            {"column": "Invoice__c.Balance__c", "operator": "greaterThan", "value": "0"},
            {"column": "Invoice__c.Stage__c", "operator": "equals", "value": "Disputed"},
        ],
        boolean_filter="1 OR 2",
    )


# ---- credentials --------------------------------------------------------------------------


def test_no_salesforce_variables_means_no_credentials() -> None:
    assert SalesforceCredentials.from_env({}) is None
    assert SalesforceCredentials.from_env({"PATH": "/bin", "SALESFORCE_PASSWORD": "  "}) is None


def test_credentials_from_a_session_or_a_login() -> None:
    by_session = SalesforceCredentials.from_env(
        {
            "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SALESFORCE_SESSION_ID": "00Dx!sid",
            "SALESFORCE_API_VERSION": "v61.0",
        }
    )
    assert (by_session.instance_url, by_session.session_id) == (
        "https://acme.my.salesforce.com",
        "00Dx!sid",
    )
    assert by_session.api_version == "61.0"
    by_login = SalesforceCredentials.from_env(login_env())
    assert (by_login.username, by_login.domain) == (USERNAME, "login")
    sandbox = SalesforceCredentials.from_env({**login_env(), "SALESFORCE_DOMAIN": "test"})
    assert sandbox.domain == "test"


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com"}, "SALESFORCE_SESSION_ID"),
        (
            {"SALESFORCE_USERNAME": USERNAME, "SALESFORCE_PASSWORD": PASSWORD},
            "SALESFORCE_SECURITY_TOKEN",
        ),
        ({"SALESFORCE_DOMAIN": "test"}, "SALESFORCE_USERNAME, SALESFORCE_PASSWORD"),
    ],
)
def test_incomplete_credentials_name_the_missing_variable(
    environ: dict[str, str], missing: str
) -> None:
    with pytest.raises(SalesforceExtractError, match=missing) as caught:
        SalesforceCredentials.from_env(environ)
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SALESFORCE_SESSION_ID": "sid"}, "not both"),
        ({"SALESFORCE_DOMAIN": "login.salesforce.com"}, "part before .salesforce.com"),
        ({"SALESFORCE_API_VERSION": "latest"}, "must look like 59.0"),
    ],
)
def test_inconsistent_credentials_are_refused(extra: dict[str, str], message: str) -> None:
    with pytest.raises(SalesforceExtractError, match=message) as caught:
        SalesforceCredentials.from_env({**login_env(), **extra})
    assert PASSWORD not in str(caught.value) and TOKEN not in str(caught.value)


def test_credentials_never_show_secrets() -> None:
    shown = repr(SalesforceCredentials.from_env(login_env())) + repr(
        SalesforceCredentials.from_env(
            {
                "SALESFORCE_INSTANCE_URL": "https://x.my.salesforce.com",
                "SALESFORCE_SESSION_ID": "S!d",
            }
        )
    )
    assert PASSWORD not in shown and TOKEN not in shown and "S!d" not in shown


# ---- Reports API --------------------------------------------------------------------------


CGHALL_COLUMNS = {
    "collector": "USERS.NAME",  # name column: the owner's Id as value, the name as label
    "account_name": "ACCOUNT.NAME",  # name column: the account Id as value, the name as label
    "stage": "RATING",  # null in some rows: value null, label "-"
    "invoice_date": "CREATED_DATE",  # ISO value, UK label 16/01/2016
    "amount": "SALES",  # {"amount": 50000000, "currency": null}, label £50,000,000
}


def test_report_cells_take_names_by_label_and_typed_fields_by_value(sf) -> None:
    rows = list(fetch_report_rows(sf, SAMPLE_REPORT, CGHALL_COLUMNS))  # the shipped defaults

    assert len(rows) == 13  # 8 + 5 under the two group keys, none twice, none from T!T
    assert rows[0] == {
        "collector": "Chris Hall",
        "account_name": "Burlington Textiles Corp of America",
        "stage": "Warm",
        "invoice_date": "2016-01-16",
        "amount": "350000000.00",
    }
    assert (rows[4]["stage"], rows[3]["amount"]) == (None, None)  # label "-" is no value
    assert {r["collector"] for r in rows} == {"Chris Hall"}


def test_report_cells_by_value_where_the_policy_says_so(sf) -> None:
    parts = {"collector": "value", "account_name": "value"}  # the rest: the defaults

    rows = list(fetch_report_rows(sf, SAMPLE_REPORT, CGHALL_COLUMNS, None, parts))

    assert rows[0]["invoice_date"] == "2016-01-16"
    assert (rows[0]["collector"], rows[0]["account_name"]) == (
        "00558000000FkaVAAS",
        "00158000002dk2LAAQ",
    )


def test_report_past_2000_rows_is_paged_completely(sf, org: SalesforceDouble) -> None:
    org.reports[BIG_REPORT] = big_report()
    expected = {f"INV-{n:06d}" for n in range(1, 4501) if n % 10 or n % 20 == 0}

    rows = list(fetch_report_rows(sf, BIG_REPORT, REPORT_COLUMNS, "Invoice__c.Name"))

    numbers = [r["invoice_number"] for r in rows]
    assert len(numbers) == len(set(numbers)) == len(expected) == 4275
    assert set(numbers) == expected
    runs = org.calls(rf"analytics/reports/{BIG_REPORT}$")
    assert [r.method for r in runs] == ["GET", "POST", "POST", "POST"]
    pages = [r.body["reportMetadata"] for r in runs[1:]]
    assert all(p["reportFormat"] == "TABULAR" and not p["groupingsDown"] for p in pages)
    assert all(
        p["sortBy"] == [{"sortColumn": "Invoice__c.Name", "sortOrder": "Asc"}] for p in pages
    )
    assert pages[0]["reportBooleanFilter"] == "1 OR 2"
    assert pages[2]["reportBooleanFilter"] == "(1 OR 2) AND 3"
    assert pages[2]["reportFilters"][2]["operator"] == "greaterThan"


def test_report_past_2000_rows_without_page_column_says_what_to_do(sf, org) -> None:
    org.reports[BIG_REPORT] = big_report()
    with pytest.raises(SalesforceExtractError) as caught:
        fetch_report_rows(sf, BIG_REPORT, REPORT_COLUMNS, None)
    message = str(caught.value)
    assert "more than 2,000 rows" in message and f"{BIG_REPORT} ('Open invoices')" in message
    assert "sources.salesforce.api.report_page_column" in message and "soql" in message


def test_report_paged_on_a_repeating_column_is_refused(sf, org) -> None:
    org.reports[BIG_REPORT] = big_report()
    with pytest.raises(SalesforceExtractError, match="must be unique"):
        list(fetch_report_rows(sf, BIG_REPORT, REPORT_COLUMNS, "Invoice__c.Office__c"))


def test_report_column_missing_from_the_report_is_named(sf) -> None:
    with pytest.raises(SalesforceExtractError, match="no detail column Invoice__c.Nope__c"):
        fetch_report_rows(sf, INVOICE_REPORT, {"amount": "Invoice__c.Nope__c"}, None)


def test_unknown_report_is_a_clear_error(sf) -> None:
    with pytest.raises(SalesforceExtractError) as caught:
        fetch_report_rows(sf, UNKNOWN_REPORT, REPORT_COLUMNS, None)
    assert f"Salesforce report {UNKNOWN_REPORT} failed: HTTP 404 NOT_FOUND" in str(caught.value)


# ---- SOQL ---------------------------------------------------------------------------------


def test_soql_follows_pages_and_relationships(sf, org: SalesforceDouble) -> None:
    rows = list(fetch_soql_rows(sf, SOQL, SOQL_FIELDS))

    assert [r["invoice_number"] for r in rows] == [f"INV-{n:06d}" for n in range(1, 6)]
    assert len(org.calls(r"/query/01gD")) == 2  # 5 records, 2 a page: two nextRecordsUrl hops
    assert rows[0] == {
        "invoice_number": "INV-000001",
        "account_name": "Client 1",
        "director_email": "owner1@acme.example",
        "office": "London",
        "invoice_date": "2026-10-01",
        "due_date": "2026-10-31",
        "amount": "10000000.00",
        "balance": "0.30",
        "last_modified_at": "2026-11-07T10:14:00Z",
    }
    assert rows[2]["account_name"] is None and rows[2]["director_email"] is None


def test_soql_path_not_selected_is_named(sf) -> None:
    with pytest.raises(SalesforceExtractError, match="no field 'Account__r.Phone'"):
        list(fetch_soql_rows(sf, SOQL, {"account_name": "Account__r.Phone"}))


# ---- connection: retries, timeouts, authentication ----------------------------------------


def test_503_is_retried_then_succeeds(sf, org: SalesforceDouble) -> None:
    org.fail(r"analytics/reports/", status=503, body=[{"errorCode": "SERVER_UNAVAILABLE"}])
    rows = list(fetch_report_rows(sf, INVOICE_REPORT, REPORT_COLUMNS, None))
    assert len(rows) == 3
    assert len(org.calls(rf"analytics/reports/{INVOICE_REPORT}")) == 2


def test_429_waits_for_retry_after(sf, org: SalesforceDouble) -> None:
    org.fail(
        r"/query",
        status=429,
        body=[{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "ConcurrentPerOrgLongTxn"}],
        headers={"Retry-After": "1"},
    )
    started = time.monotonic()
    rows = list(fetch_soql_rows(sf, SOQL, SOQL_FIELDS))
    assert len(rows) == 5
    assert time.monotonic() - started >= 0.9


def test_requests_time_out(org: SalesforceDouble, session, session_env) -> None:
    org.fail(r"analytics/reports/", delay=1.0, times=2)  # first try and its one read retry
    sf = connect(SalesforceCredentials.from_env(session_env), session, timeout=0.2)
    with pytest.raises(SalesforceExtractError, match=rf"report {INVOICE_REPORT} failed.*timed out"):
        fetch_report_rows(sf, INVOICE_REPORT, REPORT_COLUMNS, None)


@pytest.mark.usefixtures("login_host")
def test_username_login_then_report(org: SalesforceDouble, session) -> None:
    sf = connect(SalesforceCredentials.from_env(login_env()), session)
    assert len(list(fetch_report_rows(sf, INVOICE_REPORT, REPORT_COLUMNS, None))) == 3
    assert len(org.calls(r"/services/Soap/u/")) == 1


@pytest.mark.usefixtures("login_host")
def test_bad_password_is_a_clear_error_without_secrets(org: SalesforceDouble, session) -> None:
    with pytest.raises(SalesforceExtractError) as caught:
        connect(SalesforceCredentials.from_env(login_env("wrong-Pa55")), session)
    message = str(caught.value)
    assert message.startswith(f"Salesforce login as '{USERNAME}' at login.salesforce.com failed")
    assert "INVALID_LOGIN" in message
    assert "wrong-Pa55" not in message and TOKEN not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert len(org.calls(r"/services/Soap/u/")) == 1  # a failed login is never retried


def test_expired_session_is_a_clear_error(org: SalesforceDouble, session) -> None:
    stale = "00D5g000004XyZ1!AQ.stale-session"
    environ = {"SALESFORCE_INSTANCE_URL": org.instance_url, "SALESFORCE_SESSION_ID": stale}
    sf = connect(SalesforceCredentials.from_env(environ), session)
    with pytest.raises(SalesforceExtractError) as caught:
        fetch_report_rows(sf, INVOICE_REPORT, REPORT_COLUMNS, None)
    message = str(caught.value)
    assert f"report {INVOICE_REPORT} failed: HTTP 401 INVALID_SESSION_ID" in message
    assert "SALESFORCE_SESSION_ID" in message and stale not in message


# ---- extract_to_landing -------------------------------------------------------------------


def test_extract_writes_export_shaped_csvs(tmp_path: Path, session, session_env) -> None:
    policy = policy_with_api(
        report_id=INVOICE_REPORT,
        report_columns=REPORT_COLUMNS,
        report_cells={"account_id": "value"},  # a lookup column: its value is the Id
        soql=SOQL,
        soql_fields=SOQL_FIELDS,
    )
    now = datetime(2026, 11, 7, 5, 14, 9, tzinfo=ZoneInfo("America/New_York"))

    folder = tmp_path / "landing" / policy.sources.salesforce.landing
    paths = extract_to_landing(policy, folder, session_env, now, session)

    assert paths == [
        folder / f"api-report-{INVOICE_REPORT}-20261107T101409Z.csv",
        folder / "api-soql-20261107T101409Z.csv",
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    labels = policy.sources.salesforce.columns
    with paths[0].open(newline="", encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert list(report[0]) == [labels[f] for f in labels if f in REPORT_COLUMNS]
    assert report[0][labels["amount"]] == "USD 1234.50"  # a multi-currency org's amount
    assert report[0][labels["account_id"]] == "001000000000000001"
    assert report[0][labels["account_name"]] == "Client 1"
    assert report[0][labels["invoice_date"]] == "2026-01-02"
    assert report[0][labels["last_modified_at"]] == "2026-11-07T10:14:00Z"
    assert report[1][labels["amount"]] == "USD 0.30" and report[1][labels["balance"]] == ""
    assert paths[0].read_text(encoding="utf-8").startswith(f'"{labels["invoice_number"]}",')
    with paths[1].open(newline="", encoding="utf-8") as handle:
        soql = list(csv.DictReader(handle))
    assert [r[labels["invoice_number"]] for r in soql] == [f"INV-{n:06d}" for n in range(1, 6)]
    assert soql[2][labels["account_name"]] == ""


def test_extract_without_credentials_does_nothing(tmp_path: Path) -> None:
    policy = policy_with_api(report_id=INVOICE_REPORT, report_columns=REPORT_COLUMNS)
    folder = tmp_path / "landing" / "salesforce"
    assert extract_to_landing(policy, folder, {"HOME": "/root"}, NOW) == []
    assert not folder.exists()


def test_extract_that_fails_midway_leaves_no_file(
    tmp_path: Path, org: SalesforceDouble, session, session_env
) -> None:
    org.fail(r"/query/01gD", status=500, body=[{"errorCode": "UNKNOWN_EXCEPTION", "message": "x"}])
    policy = policy_with_api(soql=SOQL, soql_fields=SOQL_FIELDS)
    with pytest.raises(
        SalesforceExtractError, match="SOQL query failed: HTTP 500 UNKNOWN_EXCEPTION"
    ):
        extract_to_landing(policy, tmp_path / "salesforce", session_env, NOW, session)
    assert list((tmp_path / "salesforce").iterdir()) == []


# ---- the ingest asset with a live org ------------------------------------------------------


def test_ingest_asset_extracts_from_the_org_and_loads_it_like_an_export(
    tmp_path: Path, org: SalesforceDouble, session_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg
    import duckdb

    from orchestration.defs.ingest.invoices import salesforce_invoices
    from orchestration.defs.resources import LedgerloopResource

    data = yaml.safe_load((REPO / "ledgerloop.yaml").read_text(encoding="utf-8"))
    data["sources"]["salesforce"]["api"].update(report_id=INVOICE_REPORT, report_columns=REPORT_COLUMNS)
    data["sources"]["intake"]["max_quarantined_share"] = 0.5  # one bad row of three is the point here
    policy_file = tmp_path / "ledgerloop.yaml"
    policy_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    for name, value in session_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(org.cert_path))  # simple-salesforce's own session
    home = tmp_path / "home"

    result = dg.materialize(
        [salesforce_invoices],
        resources={"ledgerloop": LedgerloopResource(home=str(home), config_path=str(policy_file))},
    )

    assert result.success
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    counts = [metadata[k].value for k in ("rows_read", "rows_loaded", "rows_quarantined")]
    assert counts == [3, 2, 1]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select invoice_number, office, amount, balance from raw.salesforce_invoices order by 1"
        ).fetchall() == [("INV-000001", "NYC", Decimal("1234.50"), Decimal("501.25")),
                         ("INV-000003", "LDN", Decimal("1003.50"), Decimal("503.25"))]
        assert con.execute("select field, reason from quarantine.rejected_rows").fetchall() == [
            ("balance", "Balance is empty")]
    (archived,) = (home / "archive" / "salesforce").rglob("*.csv")
    assert archived.name.split("__", 1)[1].startswith(f"api-report-{INVOICE_REPORT}-")
    assert not list((home / "landing" / "salesforce").glob("*.csv"))
