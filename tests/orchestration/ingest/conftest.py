"""Fixtures shared by the ingest tests: a ledgerloop home with landing folders, and a Salesforce
org on loopback TLS (`salesforce_double`) with simple-salesforce clients of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from orchestration.ingest.salesforce_api import SalesforceCredentials, connect
from tests.orchestration.ingest.salesforce_double import SalesforceDouble


@pytest.fixture
def home(tmp_path):
    """A ledgerloop home with empty Salesforce and tracker landing folders."""
    (tmp_path / "landing" / "salesforce").mkdir(parents=True)
    (tmp_path / "landing" / "tracker").mkdir(parents=True)
    return tmp_path


@pytest.fixture
def org(tmp_path: Path) -> Iterator[SalesforceDouble]:
    """An org with no reports, queries or users yet; tests add theirs (it reads them live)."""
    double = SalesforceDouble(tmp_path)
    double.serve()
    yield double
    double.stop()


@pytest.fixture
def session(org: SalesforceDouble) -> Iterator[requests.Session]:
    """What simple-salesforce gets: trust our certificate, ignore the machine's CA bundle."""
    client = requests.Session()
    client.trust_env = False
    client.verify = str(org.cert_path)
    yield client
    client.close()


@pytest.fixture
def session_env(org: SalesforceDouble) -> dict[str, str]:
    return {"SALESFORCE_INSTANCE_URL": org.instance_url, "SALESFORCE_SESSION_ID": org.valid_session}


@pytest.fixture
def sf(session_env: dict[str, str], session: requests.Session):
    return connect(SalesforceCredentials.from_env(session_env), session)
