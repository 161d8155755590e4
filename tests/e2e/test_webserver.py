"""The Dagster UI as `ledgerloop serve` users reach it: a real webserver on loopback, asked over
GraphQL what it shows.

dagster-webserver alone (no daemon) is the lighter of the two ways in: it answers on
/server_info after ~10 s on 2 cores, where `dagster dev` also starts the daemon and, through
`DbtProject.prepare_if_dev`, re-parses the dbt project at every load.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path

import pytest

from orchestration.defs.instance import prepare_dagster_home
from orchestration.settings import REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]

WORKSPACE = REPO_ROOT / "workspace.yaml"
WEBSERVER = Path(sys.executable).parent / "dagster-webserver"
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20

# Loopback only: never through a proxy from the environment.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

ASSETS_QUERY = """
query AssetGraph {
  assetNodes {
    assetKey { path }
    dependencyKeys { path }
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name blocking description } }
      ... on Error { message }
    }
  }
}
"""

SCHEDULES_QUERY = """
query Schedules {
  schedulesOrError(
    repositorySelector: {repositoryName: "__repository__", repositoryLocationName: "ledgerloop"}
  ) {
    __typename
    ... on Schedules { results { name cronSchedule executionTimezone description } }
    ... on PythonError { message }
  }
}
"""


class Webserver:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process = process
        self.url = url
        self.log = log

    def log_tail(self, chars: int = 6000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-chars:]

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with _http.open(request, timeout=30) as response:
            body = json.load(response)
        assert not body.get("errors"), f"GraphQL errors: {body['errors']}"
        return body["data"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """SIGINT to the server's process group (webserver and its code server), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)
    except ProcessLookupError:
        pass


def wait_until_serving(server: Webserver) -> float:
    started = time.monotonic()
    deadline = started + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {server.process.returncode} before "
                        f"answering:\n{server.log_tail()}")
        try:
            with _http.open(f"{server.url}/server_info", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"dagster-webserver did not answer /server_info within {START_TIMEOUT_S} s:\n"
                f"{server.log_tail()}")


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("webserver")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        env.setenv("DAGSTER_HOME", str(home / "dagster"))  # restored on exit
        prepare_dagster_home(home / "dagster")
        from orchestration.defs.dbt import prepare_manifest

        prepare_manifest()  # the code server only reads the manifest
        server_env = {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "LEDGERLOOP_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
        }
    port = free_port()
    log = home / "webserver.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(WEBSERVER), "-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=server_env, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = Webserver(process, f"http://127.0.0.1:{port}", log)
    try:
        seconds = wait_until_serving(server)
        print(f"dagster-webserver answered /server_info after {seconds:.1f} s")
        yield server
    finally:
        stop(process)


@pytest.fixture(scope="module")
def asset_nodes(webserver) -> list[dict]:
    """The asset nodes the UI shows, once the code location has loaded (or the load error)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        workspace = webserver.graphql(WORKSPACE_QUERY)["workspaceOrError"]
        assert workspace["__typename"] == "Workspace", workspace
        entries = {e["name"]: e for e in workspace["locationEntries"]}
        assert set(entries) == {"ledgerloop"}, f"code locations: {sorted(entries)}"
        entry = entries["ledgerloop"]
        if entry["loadStatus"] == "LOADED":
            break
        if time.monotonic() > deadline:
            pytest.fail(f"code location still {entry['loadStatus']}:\n{webserver.log_tail()}")
        time.sleep(0.5)
    location = entry["locationOrLoadError"]
    if location["__typename"] == "PythonError":
        pytest.fail(f"code location ledgerloop failed to load: {location['message']}\n"
                    f"{location['stack'] and ''.join(location['stack'][-5:])}")
    return webserver.graphql(ASSETS_QUERY)["assetNodes"]


def key(node_key: dict) -> str:
    return "/".join(node_key["path"])


def test_webserver_loads_the_ledgerloop_code_location(asset_nodes):
    assert asset_nodes


@pytest.mark.parametrize("source", ["salesforce/invoices", "tracker/invoices"])
def test_webserver_shows_lineage_from_ingest_to_the_ledger(asset_nodes, source):
    parents = {key(n["assetKey"]): {key(d) for d in n["dependencyKeys"]} for n in asset_nodes}
    assert source in parents
    upstream, queue = set(), deque(["marts/ar_ledger"])
    while queue:
        for parent in parents[queue.popleft()]:
            if parent not in upstream:
                upstream.add(parent)
                queue.append(parent)
    assert source in upstream


@pytest.mark.parametrize("check", [
    "salesforce/invoices:raw_invoices_valid",
    "marts/ar_ledger:ledger_consistent",
    "marts/ar_ledger:unique_ar_ledger_invoice_key",
])
def test_webserver_reports_the_check_as_blocking(asset_nodes, check):
    asset, name = check.split(":")
    node = next(n for n in asset_nodes if key(n["assetKey"]) == asset)
    checks = node["assetChecksOrError"]
    assert checks["__typename"] == "AssetChecks", checks
    blocking = {c["name"]: c["blocking"] for c in checks["checks"]}
    assert blocking.get(name) is True, f"checks on {asset}: {blocking}"


def test_webserver_shows_the_daily_schedule_as_daily_at_the_policys_local_hour(webserver, asset_nodes):
    schedules = webserver.graphql(SCHEDULES_QUERY)["schedulesOrError"]
    assert schedules["__typename"] == "Schedules", schedules
    daily = next(s for s in schedules["results"] if s["name"] == "daily_collections_schedule")
    assert (daily["cronSchedule"], daily["executionTimezone"]) == ("0 7 * * *", "America/New_York")
    assert daily["description"].startswith("Every day at 07:00 America/New_York")


@pytest.mark.parametrize(("check", "description"), [
    ("marts/ar_ledger:filled_ar_ledger",
     "invoice_key, display_number, office, amount, matched_paid_amount, written_off_amount, balance "
     "and status are filled in on every row of ar_ledger."),
    ("marts/ar_ledger:accepted_values_ar_ledger_status__open__paid",
     "status in ar_ledger is always one of: open, paid."),
])
def test_webserver_describes_dbt_generated_checks_in_words(asset_nodes, check, description):
    asset, name = check.split(":")
    node = next(n for n in asset_nodes if key(n["assetKey"]) == asset)
    described = {c["name"]: c["description"] for c in node["assetChecksOrError"]["checks"]}
    assert described[name] == description
