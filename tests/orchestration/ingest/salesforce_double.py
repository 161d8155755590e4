"""A Salesforce org on loopback TLS that answers simple-salesforce the way the real one does.

simple-salesforce hard-codes https, so the double is a real TLS server with a certificate made
here. It speaks the SOAP login (`loginResponse` / `INVALID_LOGIN` fault), the synchronous
Reports API (cells `{value, label}`, `factMap`, the 2,000-row cut, filters, filter logic,
sortBy, groupings) and paginated SOQL (`nextRecordsUrl`), with faults injected on demand.
"""

from __future__ import annotations

import ipaddress
import json
import re
import ssl
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROW_LIMIT = 2000
ORG_ID = "00D5g000004XyZ1EAK"
SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]

LOGIN_FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:sf="urn:fault.partner.soap.sforce.com" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
    "<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, "
    "password, security token; or user locked out.</faultstring><detail>"
    '<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN'
    "</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or "
    "user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
    "</soapenv:Body></soapenv:Envelope>"
)


def login_response(server_url: str, session_id: str, username: str) -> str:
    """The partner API loginResponse, trimmed of userInfo fields nobody reads."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse>'
        f"<result><metadataServerUrl>{escape(server_url.replace('/u/', '/m/'))}"
        "</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{escape(server_url)}</serverUrl><sessionId>{escape(session_id)}</sessionId>"
        "<userId>0055g00000C1xYzAAJ</userId><userInfo><organizationId>"
        f"{ORG_ID}</organizationId><organizationName>Ledgerloop Test</organizationName>"
        "<sessionSecondsValid>7200</sessionSecondsValid>"
        f"<userName>{escape(username)}</userName></userInfo></result></loginResponse>"
        "</soapenv:Body></soapenv:Envelope>"
    )


# ---- certificate -------------------------------------------------------------------------


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, 127.0.0.1 and login.salesforce.com."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    hosts = [x509.DNSName("localhost"), x509.DNSName("login.salesforce.com")]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [*hosts, x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "org.pem", directory / "org.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# ---- Reports API -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    data_type: str


INVOICE_COLUMNS = (
    Column("Invoice__c.Name", "Invoice Number", "string"),
    Column("Invoice__c.Account__c", "Account", "id"),
    Column("Account.Name", "Account Name", "string"),
    Column("Invoice__c.Office__c", "Office", "picklist"),
    Column("Invoice__c.Invoice_Date__c", "Invoice Date", "date"),
    Column("Invoice__c.Due_Date__c", "Due Date", "date"),
    Column("Invoice__c.CurrencyIsoCode", "Currency", "picklist"),
    Column("Invoice__c.Amount__c", "Amount", "currency"),
    Column("Invoice__c.Balance__c", "Balance", "currency"),
    Column("Invoice__c.Stage__c", "Stage", "picklist"),
    Column("Invoice__c.LastModifiedDate", "Last Modified Date", "datetime"),
)
NEW_YORK = ZoneInfo("America/New_York")


def invoice(number: int, **overrides: Any) -> dict[str, Any]:
    """One invoice row of the generated report (API column -> Python value).

    Id columns hold `(id, name)`: the API puts the id in value and the name in label.
    """
    account = f"001{number % 7:015d}"
    row = {
        "Invoice__c.Name": f"INV-{number:06d}",
        "Invoice__c.Account__c": (account, f"Client {number % 7}"),
        "Account.Name": f"Client {number % 7}",
        "Invoice__c.Office__c": "New York" if number % 3 else "London",
        "Invoice__c.Invoice_Date__c": date(2026, 1, 1) + timedelta(days=number % 300),
        "Invoice__c.Due_Date__c": date(2026, 1, 31) + timedelta(days=number % 300),
        "Invoice__c.CurrencyIsoCode": "USD",
        "Invoice__c.Amount__c": 1000 + number + 0.5,
        "Invoice__c.Balance__c": 0 if number % 10 == 0 else 500 + number + 0.25,
        "Invoice__c.Stage__c": "Disputed" if number % 20 == 0 else "Invoiced",
        "Invoice__c.LastModifiedDate": datetime(2026, 11, 7, 10, 14, tzinfo=UTC),
    }
    row.update(overrides)
    return row


def _cell(column: Column, value: Any) -> dict[str, Any]:
    """A data cell as the API writes it: the value raw, the label in the user's locale."""
    if value is None:
        return {"value": None, "label": "-"}
    if column.data_type == "id":
        return {"value": value[0], "label": value[1]}
    if column.data_type == "currency":
        return {"value": {"amount": value, "currency": "USD"}, "label": f"${value:,.2f}"}
    if column.data_type == "date":
        return {"value": value.isoformat(), "label": f"{value.month}/{value.day}/{value.year}"}
    if column.data_type == "datetime":
        local = value.astimezone(NEW_YORK)
        label = f"{local.month}/{local.day}/{local.year} {local:%-I:%M %p}"
        return {"value": value.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": label}
    return {"value": value, "label": str(value)}


def _comparable(column: Column, value: Any) -> Any:
    """What a filter compares: amounts as numbers, ids as the id, everything else as text."""
    if value is None:
        return None
    if column.data_type == "currency":
        return Decimal(str(value))
    if column.data_type == "id":
        return value[0]
    return value.isoformat() if isinstance(value, date) else str(value)


OPERATORS = {
    "equals": lambda a, b: a == b,
    "notEqual": lambda a, b: a != b,
    "greaterThan": lambda a, b: a is not None and a > b,
    "lessThan": lambda a, b: a is not None and a < b,
}


class ReportError(Exception):
    """A request the real API refuses with 400 BAD_REQUEST."""


@dataclass
class GeneratedReport:
    """A saved invoice report that honours the metadata of a POSTed run."""

    report_id: str
    rows: list[dict[str, Any]]
    report_format: str = "TABULAR"
    grouping: str | None = None
    filters: list[dict[str, str]] = field(default_factory=list)
    boolean_filter: str | None = None
    columns: tuple[Column, ...] = INVOICE_COLUMNS

    @property
    def metadata(self) -> dict[str, Any]:
        groupings = [{"name": self.grouping, "sortOrder": "Asc", "dateGranularity": "None"}]
        return {
            "id": self.report_id,
            "name": "Open invoices",
            "developerName": "Open_Invoices",
            "reportFormat": self.report_format,
            "reportType": {"type": "Invoice__c", "label": "Invoices"},
            "currency": None,
            "detailColumns": [c.name for c in self.columns],
            "groupingsDown": groupings if self.grouping else [],
            "groupingsAcross": [],
            "aggregates": ["s!Invoice__c.Balance__c", "RowCount"],
            "reportFilters": list(self.filters),
            "reportBooleanFilter": self.boolean_filter,
            "sortBy": [],
        }

    def run(self, posted: dict[str, Any] | None) -> dict[str, Any]:
        metadata = posted or self.metadata
        by_name = {c.name: c for c in self.columns}
        rows = [r for r in self.rows if self._passes(r, metadata, by_name)]
        for sort in reversed(metadata.get("sortBy") or []):
            column = self._column(by_name, sort["sortColumn"])
            rows.sort(
                key=lambda r, c=column: (r[c.name] is not None, _comparable(c, r[c.name])),
                reverse=sort["sortOrder"] == "Desc",
            )
        grouping = [g["name"] for g in metadata.get("groupingsDown") or []]
        if grouping:  # a grouped report lists rows group by group; sortBy only orders within
            rows.sort(key=lambda r: r[grouping[0]])
        return self._response(metadata, rows, grouping[0] if grouping else None, by_name)

    def _passes(self, row: dict, metadata: dict, by_name: dict[str, Column]) -> bool:
        filters = metadata.get("reportFilters") or []
        results = []
        for f in filters:
            column = self._column(by_name, f["column"])
            value = _comparable(column, row[column.name])
            target = Decimal(f["value"]) if column.data_type == "currency" else f["value"]
            results.append(OPERATORS[f["operator"]](value, target))
        logic = metadata.get("reportBooleanFilter")
        if not logic:
            return all(results)
        return _evaluate(logic, results)

    @staticmethod
    def _column(by_name: dict[str, Column], name: str) -> Column:
        if name not in by_name:
            raise ReportError(f"The column {name} is not available in this report type")
        return by_name[name]

    def _response(
        self, metadata: dict, rows: list[dict], grouping: str | None, by_name: dict[str, Column]
    ) -> dict[str, Any]:
        shown = rows[:ROW_LIMIT]
        detail = [by_name[name] for name in metadata["detailColumns"]]

        def fact(part: list[dict]) -> dict[str, Any]:
            cells = [{"dataCells": [_cell(c, r[c.name]) for c in detail]} for r in part]
            return {"rows": cells, "aggregates": [{"value": len(part), "label": str(len(part))}]}

        groups = sorted({r[grouping] for r in shown}) if grouping else []
        fact_map = {
            f"{i}!T": fact([r for r in shown if r[grouping] == g]) for i, g in enumerate(groups)
        }
        fact_map["T!T"] = fact([]) if grouping else fact(shown)
        fact_map["T!T"]["aggregates"] = [{"value": len(rows), "label": str(len(rows))}]
        path = f"/services/data/v59.0/analytics/reports/{self.report_id}"
        return {
            "attributes": {
                "type": "Report",
                "reportId": self.report_id,
                "reportName": metadata.get("name", "Open invoices"),
                "describeUrl": f"{path}/describe",
                "instancesUrl": f"{path}/instances",
            },
            "allData": len(rows) <= ROW_LIMIT,
            "hasDetailRows": True,
            "factMap": fact_map,
            "groupingsAcross": {"groupings": []},
            "groupingsDown": {
                "groupings": [
                    {"value": g, "label": g, "key": str(i), "groupings": []}
                    for i, g in enumerate(groups)
                ]
            },
            "reportExtendedMetadata": {
                "detailColumnInfo": {
                    c.name: {"label": c.label, "dataType": c.data_type} for c in detail
                },
                "aggregateColumnInfo": {
                    "RowCount": {
                        "label": "Record Count",
                        "dataType": "int",
                        "acrossGroupingContext": None,
                        "downGroupingContext": None,
                    }
                },
                "groupingColumnInfo": {},
            },
            "reportMetadata": metadata,
        }


def _evaluate(logic: str, results: list[bool]) -> bool:
    """Salesforce filter logic like `(1 OR 2) AND 3`; every filter must be referenced."""
    tokens = re.findall(r"\d+|AND|OR|NOT|\(|\)|\S", logic.upper())
    numbers = {int(t) for t in tokens if t.isdigit()}
    if numbers != set(range(1, len(results) + 1)) or not set(tokens) <= {
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        *map(str, numbers),
    }:
        raise ReportError(f"The filter logic {logic!r} doesn't reference each filter once")
    words = {"AND": " and ", "OR": " or ", "NOT": " not ", "(": "(", ")": ")"}
    expression = "".join(words.get(t) or str(results[int(t) - 1]) for t in tokens)
    return eval(expression, {"__builtins__": {}})  # only True/False/and/or/not/() reach here


@dataclass
class SavedReport:
    """A captured real response, answered as is."""

    response: dict[str, Any]

    def run(self, posted: dict[str, Any] | None) -> dict[str, Any]:
        return self.response


# A real Reports API (v29.0) run of a summary report grouped by account type, from
# cghall/salesforce-reporting test/test_data/summary_basic_single_group.json (MIT, (c) 2015
# Chris Hall), trimmed to three rows per group. It has every trap: currency cells whose
# label is `£50,000,000`, dates with UK labels, null cells labelled `-`, id cells labelled
# with a name, and detail rows under group keys with an empty `T!T`.
CGHALL_SUMMARY: dict[str, Any] = json.loads(
    """{"groupingsDown": {"groupings": [{"value": "Customer - Direct", "label": "Customer - Direct", "groupings": [], "key": "0"}, {"value": "Customer - Channel", "label": "Customer - Channel", "groupings": [], "key": "1"}]},
 "allData": true, "groupingsAcross": {"groupings": []}, "hasDetailRows": true,
 "attributes": {"describeUrl": "/services/data/v29.0/analytics/reports/00O58000000qu8wEAA/describe", "instancesUrl": "/services/data/v29.0/analytics/reports/00O58000000qu8wEAA/instances", "type": "Report", "reportId": "00O58000000qu8wEAA", "reportName": "[Analytics API Test] Basic Summary"},
 "reportExtendedMetadata": {"groupingColumnInfo": {"TYPE": {"dataType": "picklist", "label": "Type", "groupingLevel": 0}}, "aggregateColumnInfo": {"RowCount": {"dataType": "int", "downGroupingContext": null, "acrossGroupingContext": null, "label": "Record Count"}, "s!SALES": {"dataType": "currency", "downGroupingContext": null, "acrossGroupingContext": null, "label": "Sum of Annual Revenue"}},
  "detailColumnInfo": {"CREATED_DATE": {"dataType": "datetime", "label": "Created Date"}, "ADDRESS1_STATE": {"dataType": "string", "label": "Billing State/Province"}, "ACCOUNT.NAME": {"dataType": "string", "label": "Account Name"}, "RATING": {"dataType": "picklist", "label": "Rating"}, "USERS.NAME": {"dataType": "string", "label": "Account Owner"}, "SALES": {"dataType": "currency", "label": "Annual Revenue"}, "INDUSTRY": {"dataType": "picklist", "label": "Industry"}}},
 "factMap": {
  "1!T": {"rows": [
   {"dataCells": [{"value": "00558000000FkaVAAS", "label": "Chris Hall"}, {"value": "00158000002dk2NAAQ", "label": "Dickenson plc"}, {"value": "KS", "label": "KS"}, {"value": null, "label": "-"}, {"value": "Consulting", "label": "Consulting"}, {"value": "2016-01-16", "label": "16/01/2016"}, {"value": {"currency": null, "amount": 50000000}, "label": "£50,000,000"}]},
   {"dataCells": [{"value": "00558000000FkaVAAS", "label": "Chris Hall"}, {"value": "00158000002dk2QAAQ", "label": "Express Logistics and Transport"}, {"value": "OR", "label": "OR"}, {"value": "Cold", "label": "Cold"}, {"value": "Transportation", "label": "Transportation"}, {"value": "2016-01-16", "label": "16/01/2016"}, {"value": {"currency": null, "amount": 950000000}, "label": "£950,000,000"}]},
   {"dataCells": [{"value": "00558000000FkaVAAS", "label": "Chris Hall"}, {"value": "00158000002dk2UAAQ", "label": "GenePoint"}, {"value": "CA", "label": "CA"}, {"value": "Cold", "label": "Cold"}, {"value": "Biotechnology", "label": "Biotechnology"}, {"value": "2016-01-16", "label": "16/01/2016"}, {"value": {"currency": null, "amount": 30000000}, "label": "£30,000,000"}]}],
   "aggregates": [{"value": 2880000000, "label": "£2,880,000,000"}, {"value": 5, "label": "5"}]},
  "0!T": {"rows": [
   {"dataCells": [{"value": "00558000000FkaVAAS", "label": "Chris Hall"}, {"value": "00158000002dk2LAAQ", "label": "Burlington Textiles Corp of America"}, {"value": "NC", "label": "NC"}, {"value": "Warm", "label": "Warm"}, {"value": "Apparel", "label": "Apparel"}, {"value": "2016-01-16", "label": "16/01/2016"}, {"value": {"currency": null, "amount": 350000000}, "label": "£350,000,000"}]},
   {"dataCells": [{"value": "00558000000FkaVAAS", "label": "Chris Hall"}, {"value": "00158000002dk2KAAQ", "label": "Edge Communications"}, {"value": "TX", "label": "TX"}, {"value": "Hot", "label": "Hot"}, {"value": "Electronics", "label": "Electronics"}, {"value": "2016-01-16", "label": "16/01/2016"}, {"value": {"currency": null, "amount": 139000000}, "label": "£139,000,000"}]},
   {"dataCells": [{"value": "00558000000FkaVAAS", "label": "Chris Hall"}, {"value": "00158000002dk2OAAQ", "label": "Grand Hotels & Resorts Ltd"}, {"value": "IL", "label": "IL"}, {"value": "Warm", "label": "Warm"}, {"value": "Hospitality", "label": "Hospitality"}, {"value": "2016-01-16", "label": "16/01/2016"}, {"value": {"currency": null, "amount": 500000000}, "label": "£500,000,000"}]}],
   "aggregates": [{"value": 6589000000, "label": "£6,589,000,000"}, {"value": 8, "label": "8"}]},
  "T!T": {"rows": [], "aggregates": [{"value": 9469000000, "label": "£9,469,000,000"}, {"value": 13, "label": "13"}]}},
 "reportMetadata": {"currency": null, "developerName": "Analytics_API_Test_Basic_Summary", "reportBooleanFilter": null, "id": "00O58000000qu8wEAA", "reportFilters": [], "aggregates": ["s!SALES", "RowCount"], "reportFormat": "SUMMARY", "detailColumns": ["USERS.NAME", "ACCOUNT.NAME", "ADDRESS1_STATE", "RATING", "INDUSTRY", "CREATED_DATE", "SALES"], "groupingsAcross": [], "groupingsDown": [{"sortOrder": "Asc", "dateGranularity": "None", "name": "TYPE"}], "reportType": {"type": "AccountList", "label": "Accounts"}, "name": "[Analytics API Test] Basic Summary"}}"""  # noqa: E501
)


# ---- the org -----------------------------------------------------------------------------


@dataclass
class Fault:
    """The next `times` requests matching `method` and `path` (a regex) go wrong."""

    path: str
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 0.0
    method: str | None = None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


class SalesforceDouble:
    """The org's state and its answers; `serve()` puts it on loopback TLS."""

    def __init__(self, directory: Path) -> None:
        self.cert_path, self._key_path = make_certificate(directory)
        self.users: dict[str, str] = {}  # username -> password + security token
        self.valid_session = f"{ORG_ID[:15]}!AQ.valid-session"
        self.sessions: set[str] = {self.valid_session}
        self.reports: dict[str, GeneratedReport | SavedReport] = {}
        self.queries: dict[str, list[dict[str, Any]]] = {}
        self.query_page_size = 2
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def instance_url(self) -> str:
        return f"https://localhost:{self.port}"

    def serve(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self._key_path)
        server = _Server(("127.0.0.1", 0), _Handler)
        server.double = self
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        # A short poll keeps shutdown (each test's teardown) from waiting the default 0.5 s.
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()

    def stop(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def fail(self, path: str, **kwargs: Any) -> Fault:
        fault = Fault(path, **kwargs)
        self.faults.append(fault)
        return fault

    def calls(self, path_pattern: str) -> list[Request]:
        return [r for r in self.requests if re.search(path_pattern, r.path)]

    # -- dispatch --------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Any, body: bytes
    ) -> tuple[int, dict, bytes]:
        url = urlsplit(target)
        query = parse_qs(url.query)
        decoded = json.loads(body) if body and "json" in headers.get("Content-Type", "") else body
        with self._lock:
            self.requests.append(Request(method, url.path, query, decoded))
            fault = self._take_fault(method, url.path)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                return _json(fault.status, fault.body, fault.headers)
        if re.fullmatch(r"/services/Soap/u/[\d.]+", url.path) and method == "POST":
            return self._login(url.path, body)
        match = re.fullmatch(r"/services/data/v([\d.]+)/(.+)", url.path)
        if match is None:
            return _json(404, NOT_FOUND)
        if headers.get("Authorization") not in {f"Bearer {s}" for s in self.sessions}:
            return _json(401, SESSION_EXPIRED)
        version, resource = match.groups()
        report = re.fullmatch(r"analytics/reports/(\w+)", resource)
        if report:
            return self._report(report.group(1), method, decoded)
        if resource in {"query", "query/"}:
            return self._query_first(version, query.get("q", [""])[0])
        cursor = re.fullmatch(r"query/([\w-]+)-(\d+)", resource)
        if cursor:
            return self._query_page(version, cursor.group(1), int(cursor.group(2)))
        return _json(404, NOT_FOUND)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            method_ok = fault.method in (None, method)
            if fault.times > 0 and method_ok and re.search(fault.path, path):
                fault.times -= 1
                return fault
        return None

    def _login(self, path: str, body: bytes) -> tuple[int, dict, bytes]:
        fields = {el.tag.rsplit("}", 1)[-1]: el.text or "" for el in ET.fromstring(body).iter()}
        username, secret = fields.get("username", ""), fields.get("password", "")
        if self.users.get(username) != secret:
            return 500, {"Content-Type": "text/xml;charset=UTF-8"}, LOGIN_FAULT.encode()
        session_id = f"{ORG_ID[:15]}!AQ.{uuid.uuid4().hex}"
        self.sessions.add(session_id)
        server_url = f"{self.instance_url}{path}/{ORG_ID[:15]}"
        xml = login_response(server_url, session_id, username)
        return 200, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode()

    def _report(self, report_id: str, method: str, body: Any) -> tuple[int, dict, bytes]:
        report = self.reports.get(report_id)
        if report is None:
            return _json(404, NOT_FOUND)
        posted = body.get("reportMetadata") if method == "POST" else None
        try:
            return _json(200, report.run(posted))
        except ReportError as exc:
            return _json(400, [{"errorCode": "BAD_REQUEST", "message": str(exc)}])

    def _query_first(self, version: str, soql: str) -> tuple[int, dict, bytes]:
        if soql not in self.queries:
            return _json(
                400, [{"message": f"unexpected query: {soql}", "errorCode": "MALFORMED_QUERY"}]
            )
        locator = f"01gD0000002HU6K{len(self._cursors):03d}"
        self._cursors[locator] = self.queries[soql]
        return self._query_page(version, locator, 0)

    def _query_page(self, version: str, locator: str, offset: int) -> tuple[int, dict, bytes]:
        if locator not in self._cursors:
            return _json(
                400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
            )
        records = self._cursors[locator]
        end = offset + self.query_page_size
        page: dict[str, Any] = {"totalSize": len(records), "done": end >= len(records)}
        if end < len(records):
            page["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        page["records"] = records[offset:end]
        return _json(200, page)


def _json(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict, bytes]:
    body = b"" if payload is None else json.dumps(payload).encode()
    return status, {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}, body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    double: SalesforceDouble

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected here, not a failure."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, payload = self.server.double.handle(method, self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is for the tests."""
