"""`ledgerloop risk backtest` on a warehouse holding a feature table."""

import json

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.cli.risk import load_features
from orchestration.risk.model import BUILD_COLUMNS
from orchestration.settings import REPO_ROOT, Settings
from tests.orchestration.risk.synthetic import panel


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("risk-cli")
    features = panel(accounts=200, months=24, seed=11)  # noqa: F841 (read by duckdb below)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("create schema intermediate")
        # with the columns saying how the rows were built, as dbt's table has them
        con.execute("create table intermediate.int_account_risk_features as select *, "
                    "cast(1 as decimal(38, 0)) as inputs_fingerprint, 'grid' as built_for from features")
    return home


def backtest(home, *args):
    return CliRunner().invoke(main, ["risk", "backtest", "--home", str(home), *args])


def test_risk_backtest_prints_the_comparison_and_writes_the_report(home):
    result = backtest(home, "--cutoff", "2026-04-01")
    assert result.exit_code == 0, result.output
    assert "Backtest at cut-off 2026-04-01" in result.output
    assert "AUC (higher better)" in result.output and "Brier (lower better)" in result.output
    assert "The model beats the naive baseline on both AUC and Brier score." in result.output
    report = home / "exports" / "risk" / "backtest-2026-04-01.html"
    assert f"Report: {report}" in result.output and report.exists()


def test_risk_backtest_json_carries_the_metrics(home, tmp_path):
    result = backtest(home, "--cutoff", "2026-04-01", "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"]["auc"] > data["baseline"]["auc"]
    assert data["model"]["brier"] < data["baseline"]["brier"]
    assert data["model_beats_baseline"] is True
    assert len(data["model"]["calibration"]) == 10
    assert data["report"] == str(tmp_path / "backtest-2026-04-01.html")


def test_risk_backtest_without_a_cutoff_uses_six_months_before_the_newest_history(home):
    result = backtest(home)
    assert result.exit_code == 0, result.output
    assert "Backtest at cut-off 2026-05-23" in result.output


def test_risk_backtest_after_all_labelled_history_asks_for_an_earlier_cutoff(home):
    result = backtest(home, "--cutoff", "2027-06-01")
    assert result.exit_code == 1
    assert "no labelled rows dated on or after 2027-06-01: choose an earlier --cutoff" in result.output


def test_risk_backtest_before_any_run_says_to_run_first(tmp_path):
    result = backtest(tmp_path)
    assert result.exit_code == 1
    assert "run `ledgerloop run` first" in result.output
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")):
        pass
    result = backtest(tmp_path)
    assert "intermediate.int_account_risk_features is not in" in result.output


def test_the_features_load_without_the_columns_saying_how_they_were_built(home):
    frame = load_features(Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml").warehouse)
    assert len(frame) > 0 and not set(BUILD_COLUMNS) & set(frame.columns)
