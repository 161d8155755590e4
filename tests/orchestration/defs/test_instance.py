"""The instance's dagster.yaml: SQLite files by default, PostgreSQL by `LEDGERLOOP_DAGSTER_STORAGE_URL`
with the URL left in the environment, and the same run queue and monitoring either way."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.defs.instance import prepare_dagster_home
from orchestration.settings import DAGSTER_STORAGE_URL_ENV, Settings

URL = "postgresql+psycopg2://dagster:s3cret-pw@db.internal:5432/dagster"


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch):
    # prepare_dagster_home sets both; setting each first makes monkeypatch restore it afterwards
    # (a bare delenv of an unset variable records nothing, and the URL leaked into later tests)
    monkeypatch.setenv("DAGSTER_HOME", "unused")
    monkeypatch.setenv(DAGSTER_STORAGE_URL_ENV, "")
    monkeypatch.delenv(DAGSTER_STORAGE_URL_ENV)


def test_unset_the_instance_keeps_its_sqlite_storage_under_the_home(tmp_path):
    config = yaml.safe_load((prepare_dagster_home(tmp_path / "dagster") / "dagster.yaml").read_text())
    assert "storage" not in config
    assert config["event_log_storage"]["class"] == "KeptOpenSqliteEventLogStorage"
    history = (tmp_path / "dagster" / "history" / "runs").resolve()
    assert config["event_log_storage"]["config"]["base_dir"] == str(history)


def test_with_the_url_dagster_yaml_names_the_variable_and_never_the_password(tmp_path):
    folder = prepare_dagster_home(tmp_path / "dagster", URL)
    text = (folder / "dagster.yaml").read_text()
    assert "s3cret-pw" not in text and "db.internal" not in text
    config = yaml.safe_load(text)
    assert config["storage"] == {"postgres": {"postgres_url": {"env": DAGSTER_STORAGE_URL_ENV}}}
    assert "event_log_storage" not in config  # run, event log and schedules all in PostgreSQL


@pytest.mark.parametrize("url", [None, URL])
def test_either_storage_keeps_one_run_at_a_time_monitoring_and_no_telemetry(tmp_path, url):
    config = yaml.safe_load((prepare_dagster_home(tmp_path, url) / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert config["run_monitoring"]["enabled"] is True


def test_switching_back_and_forth_rewrites_the_instance(tmp_path):
    folder = tmp_path / "dagster"
    prepare_dagster_home(folder, URL)
    assert "storage" not in yaml.safe_load((prepare_dagster_home(folder) / "dagster.yaml").read_text())
    assert "storage" in yaml.safe_load((prepare_dagster_home(folder, URL) / "dagster.yaml").read_text())


def test_the_setting_is_read_from_the_environment_and_kept_out_of_repr(monkeypatch, tmp_path):
    monkeypatch.setenv(DAGSTER_STORAGE_URL_ENV, f" {URL} ")
    settings = Settings(home=tmp_path)
    assert settings.dagster_storage_url == URL
    assert "s3cret-pw" not in repr(settings)
    monkeypatch.setenv(DAGSTER_STORAGE_URL_ENV, "")
    assert Settings(home=tmp_path).dagster_storage_url is None


@pytest.mark.parametrize(("url", "lacks"), [
    ("postgresql://dagster:s3cret-pw@db:5432/dagster", "the postgresql+psycopg2 scheme"),  # psycopg 3
    ("postgresql+psycopg://dagster:s3cret-pw@db/dagster", "the postgresql+psycopg2 scheme"),
    ("mysql://dagster:s3cret-pw@db/dagster", "the postgresql+psycopg2 scheme"),
    ("postgresql+psycopg2://dagster:s3cret-pw@db:5432/", "a database name"),
    ("postgresql+psycopg2:///dagster", "a host"),
])
def test_a_url_dagster_postgres_cannot_use_is_refused_naming_the_setting(tmp_path, url, lacks):
    with pytest.raises(ValueError) as refused:
        Settings(home=tmp_path, dagster_storage_url=url)
    message = str(refused.value)
    assert message.startswith(f"{DAGSTER_STORAGE_URL_ENV}: expected postgresql+psycopg2://")
    assert lacks in message
    assert "s3cret-pw" not in message


def test_the_cli_says_what_is_wrong_with_the_url_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["run", "--quiet", "--home", str(tmp_path)],
                                env={DAGSTER_STORAGE_URL_ENV: "postgresql://u:s3cret-pw@db/dagster"})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {DAGSTER_STORAGE_URL_ENV}: expected postgresql+psycopg2://user:password@host:port/database "
        "(dagster-postgres needs psycopg2); this URL lacks the postgresql+psycopg2 scheme"
    ]
