"""A Salesforce org on loopback TLS that answers simple-salesforce the way the real one does.

simple-salesforce hard-codes https, so the double is a real TLS server with a certificate made
here. It speaks the SOAP login (`loginResponse` / `INVALID_LOGIN` fault), the synchronous
Reports API (`salesforce_report_runs`: cells `{value, label}`, `factMap`, the 2,000-row cut,
filters, filter logic, sortBy, groupings down and across) and paginated SOQL
(`nextRecordsUrl`), with faults injected on demand.
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
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.orchestration.ingest.salesforce_report_runs import (
    GeneratedReport,
    ReportError,
    SavedReport,
)

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
            return self._report(report.group(1), method, query, decoded)
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

    def _report(
        self, report_id: str, method: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, dict, bytes]:
        report = self.reports.get(report_id)
        if report is None:
            return _json(404, NOT_FOUND)
        posted = body.get("reportMetadata") if method == "POST" else None
        try:
            return _json(200, report.run(posted, query.get("includeDetails") == ["true"]))
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
