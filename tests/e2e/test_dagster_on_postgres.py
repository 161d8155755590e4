"""Dagster's storage on a real PostgreSQL server: `ledgerloop run` with
`LEDGERLOOP_DAGSTER_STORAGE_URL` set records the refresh, its materializations and its check
evaluations in that database, and writes no SQLite storage beside the instance."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from orchestration.demo import generate_demo
from orchestration.settings import DAGSTER_STORAGE_URL_ENV, REPO_ROOT, Settings
from tests.portal.postgres_server import SERVER_USER, PostgresServer, postgres_server

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]
AS_OF = dt.date(2026, 11, 23)
# The throwaway server trusts loopback, so this password is never checked: it is here to show
# that it reaches no file.
PASSWORD = "never-in-a-file-7f3a"


@pytest.fixture(scope="module")
def pg_server():
    yield from postgres_server()


@pytest.fixture(scope="module")
def storage_url(pg_server: PostgresServer) -> str:
    """A fresh database on the server, as dagster-postgres takes it (psycopg2 named)."""
    database = pg_server.new_database().rsplit("/", 1)[1]
    return f"postgresql+psycopg2://{SERVER_USER}:{PASSWORD}@127.0.0.1:{pg_server.port}/{database}"


@pytest.fixture(scope="module")
def refresh(tmp_path_factory, storage_url) -> tuple[Path, dict]:
    """One `ledgerloop run` on the 200-invoice demo with Dagster's storage on PostgreSQL."""
    home = tmp_path_factory.mktemp("dagster_pg")
    generate_demo(home, Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml").policy(), 200, 7,
                  AS_OF, progress=False)
    env = {**os.environ, DAGSTER_STORAGE_URL_ENV: storage_url}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ledgerloop"), "run", "--json", "--quiet", "--home", str(home),
         "--as-of", AS_OF.isoformat()],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=800,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return home, json.loads(done.stdout)


@pytest.fixture(scope="module")
def instance(refresh, storage_url):
    """The instance as the webserver or the daemon would load it: from dagster.yaml and the environment."""
    home, _ = refresh
    with pytest.MonkeyPatch.context() as env:
        env.setenv(DAGSTER_STORAGE_URL_ENV, storage_url)
        loaded = dg.DagsterInstance.from_config(str(home / "dagster"))
        yield loaded
        loaded.dispose()


def test_the_instance_keeps_runs_events_and_schedules_in_postgres(instance):
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)


def test_the_refresh_succeeded_and_is_recorded_in_postgres(refresh, instance, storage_url):
    _, summary = refresh
    assert summary["success"] is True
    run = instance.get_run_by_id(summary["run_id"])
    assert run is not None and run.job_name == "refresh_ledger_job"
    assert run.status == dg.DagsterRunStatus.SUCCESS
    # In that database, whatever Dagster's API says:
    with psycopg.connect(storage_url.replace("+psycopg2", "")) as conn:
        events = conn.execute("select count(*) from event_logs where run_id = %s", [run.run_id]).fetchone()[0]
        runs = conn.execute("select status from runs where run_id = %s", [run.run_id]).fetchall()
    assert runs == [("SUCCESS",)]
    assert events > 100


def test_every_asset_of_the_refresh_has_its_materialization_in_postgres(refresh, instance):
    _, summary = refresh
    from orchestration.definitions import defs

    planned = defs.resolve_job_def("refresh_ledger_job").asset_layer.executable_asset_keys
    records = instance.get_records_for_run(
        summary["run_id"], of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
    ).records
    materialized = {r.event_log_entry.dagster_event.asset_key for r in records}
    assert planned and materialized == set(planned)
    ledger = instance.get_latest_materialization_event(dg.AssetKey(["marts", "ar_ledger"]))
    assert ledger is not None and ledger.run_id == summary["run_id"]


def test_the_checks_of_the_refresh_are_recorded_in_postgres(refresh, instance):
    _, summary = refresh
    records = instance.get_records_for_run(
        summary["run_id"], of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    assert len(evaluations) == len(summary["checks"]) > 50
    recorded = {f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed for e in evaluations}
    assert recorded == {c["name"]: c["passed"] for c in summary["checks"]}
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "ar_ledger"]), "filled_ar_ledger")
    latest = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
    assert [(e.run_id, e.status.value) for e in latest] == [(summary["run_id"], "SUCCEEDED")]


def test_nothing_is_written_to_sqlite_and_the_password_to_no_file(refresh):
    home, _ = refresh
    folder = home / "dagster"
    assert not (folder / "history").exists() and not (folder / "schedules").exists()
    assert [p.relative_to(folder) for p in folder.rglob("*.db")] == []
    text = (folder / "dagster.yaml").read_text()
    assert f"env: {DAGSTER_STORAGE_URL_ENV}" in text
    leaked = [p for p in home.rglob("*") if p.is_file() and p.stat().st_size < 50_000_000
              and PASSWORD.encode() in p.read_bytes()]
    assert leaked == []
