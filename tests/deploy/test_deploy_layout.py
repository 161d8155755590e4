"""The production layout in deploy/: the Compose file and the Helm values hold the pieces the README
promises (PostgreSQL, the code location as its own gRPC server, webserver, daemon, portal, one
shared home, one run at a time) with every secret as a reference, never a value. Neither Docker nor
a cluster is available here, so these read the files; the instance they run is tested for real in
tests/e2e/test_dagster_on_postgres.py."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from orchestration.settings import (
    DAGSTER_STORAGE_URL_ENV,
    REPO_ROOT,
    WAREHOUSE_URL_ENV,
    check_dagster_storage_url,
)

DEPLOY = REPO_ROOT / "deploy"
REFERENCE = re.compile(r"\$\{[A-Z_]+(:?[-?][^}]*)?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_DB_URL$|_STORAGE_URL$|_WAREHOUSE_URL$")  # credentialed URLs


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def command(service: dict) -> str:
    return shlex.join(service["command"])


def test_compose_runs_each_dagster_process_and_the_portal_as_its_own_service(compose):
    services = compose["services"]
    assert {"postgres", "instance", "code", "webserver", "daemon", "portal"} <= set(services)
    assert command(services["code"]).startswith("dagster api grpc ")
    assert "-m orchestration.definitions -a defs" in command(services["code"])
    assert command(services["webserver"]).startswith("dagster-webserver ")
    assert command(services["daemon"]).startswith("dagster-daemon run ")
    assert command(services["portal"]).startswith("ledgerloop portal ")
    assert command(services["instance"]) == "python -m orchestration.defs.instance"


def test_the_webserver_and_daemon_load_the_code_location_from_its_grpc_server(compose):
    services = compose["services"]
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    [server] = [entry["grpc_server"] for entry in workspace["load_from"]]
    code_args = services["code"]["command"]
    assert server["host"] == "code"
    assert str(server["port"]) == code_args[code_args.index("-p") + 1]
    for name in ("webserver", "daemon"):
        args = services[name]["command"]
        assert args[args.index("-w") + 1] == "/app/deploy/workspace.yaml"  # the image's copy of deploy/
        assert services[name]["depends_on"]["code"] == {"condition": "service_healthy"}


def test_every_ledgerloop_service_shares_one_home_and_one_dagster_instance(compose):
    for name in ("instance", "code", "webserver", "daemon", "portal"):
        service = compose["services"][name]
        home = service["environment"]["LEDGERLOOP_HOME"]
        assert f"ledgerloop-home:{home}" in service["volumes"], name
        assert service["environment"]["DAGSTER_HOME"] == f"{home}/dagster", name  # where the instance is
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert compose["services"]["code"]["depends_on"]["instance"] == {
        "condition": "service_completed_successfully"}


def test_dagster_storage_url_in_compose_is_one_the_setting_accepts(compose):
    url = compose["services"]["code"]["environment"][DAGSTER_STORAGE_URL_ENV]
    check_dagster_storage_url(REFERENCE.sub("password", url))  # raises on a URL dagster-postgres refuses


def test_no_secret_is_written_into_the_compose_file(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and value:
                credentials = re.search(r"://[^:/@]*:([^@]*)@", value)
                secret = credentials.group(1) if credentials else value
                assert REFERENCE.fullmatch(secret), f"{name}.{key} holds a value, not a ${{...}} reference"
    assert ".env" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    example = dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert [key for key, value in example.items() if SECRET_NAME.search(key) and value] == []


def test_the_image_installs_exactly_the_locked_dependencies():
    steps = (DEPLOY / "Dockerfile").read_text()
    syncs = re.findall(r"uv sync [^\n\\&]*", steps)
    assert syncs and all("--frozen" in s and "--no-dev" in s and "--extra postgres" in s for s in syncs)
    assert "prepare_manifest()" in steps  # the code server loads the dbt manifest made at build
    assert re.search(r"^USER (?!root)", steps, re.M)


@pytest.fixture(scope="module")
def helm() -> dict:
    return yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())


def test_helm_values_run_our_code_location_with_one_run_at_a_time(helm):
    [deployment] = helm["dagster-user-deployments"]["deployments"]
    assert shlex.join(deployment["dagsterApiGrpcArgs"]).startswith("-m orchestration.definitions -a defs")
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    mount = {m["name"]: m["mountPath"] for m in deployment["volumeMounts"]}
    home = {e["name"]: e["value"] for e in deployment["env"]}["LEDGERLOOP_HOME"]
    assert mount["ledgerloop-home"] == home
    coordinator = helm["dagsterDaemon"]["runCoordinator"]
    assert coordinator["enabled"] and coordinator["type"] == "QueuedRunCoordinator"
    assert coordinator["config"]["queuedRunCoordinator"]["maxConcurrentRuns"] == 1
    assert helm["dagsterDaemon"]["runMonitoring"]["enabled"] is True
    assert helm["runLauncher"]["type"] == "K8sRunLauncher"
    assert helm["telemetry"] == {"enabled": False}


def test_helm_values_use_only_the_charts_keys_and_keep_the_password_out(helm):
    # The top-level keys of the chart's values schema (helm/dagster/schema/.../values.py, 1.13 line).
    chart_keys = {
        "dagsterWebserver", "dagster-user-deployments", "postgresql", "generatePostgresqlPasswordSecret",
        "generateCeleryConfigSecret", "rabbitmq", "redis", "flower", "ingress", "imagePullSecrets",
        "computeLogManager", "scheduler", "runLauncher", "pythonLogs", "dagsterDaemon", "busybox",
        "migrate", "telemetry", "serviceAccount", "global", "retention", "additionalInstanceConfig",
    }
    assert set(helm) <= chart_keys
    assert helm["generatePostgresqlPasswordSecret"] is False
    assert "postgresqlPassword" not in helm["postgresql"]
    assert helm["global"]["postgresqlSecretName"]


def test_the_readme_shows_how_to_switch_and_what_scales_out():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("## Scale out"):]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    assert f"export {DAGSTER_STORAGE_URL_ENV}=postgresql+psycopg2://" in section
    assert f"unset {DAGSTER_STORAGE_URL_ENV}" in section
    for path in ("deploy/docker-compose.yml", "deploy/helm-values.yaml", "deploy/Dockerfile"):
        assert path in section and (REPO_ROOT / path).exists()
    assert f"export {WAREHOUSE_URL_ENV}=postgresql://" in section and f"unset {WAREHOUSE_URL_ENV}" in section
    assert "not run here" in section and "Measured at 1M invoices" in section

