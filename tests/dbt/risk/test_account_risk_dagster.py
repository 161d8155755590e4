"""marts.account_risk (a dbt Python model) and marts.credit_limits as Dagster assets: loaded by
dagster-dbt with their lineage and their dbt tests as checks."""

import dagster as dg
import pytest

from tests.orchestration.test_definitions import definitions_module  # noqa: F401 (fixture)

RISK = dg.AssetKey(["marts", "account_risk"])
LIMITS = dg.AssetKey(["marts", "credit_limits"])
FEATURES = dg.AssetKey(["intermediate", "int_account_risk_features"])
FITS = dg.AssetKey(["intermediate", "int_account_risk_fits"])


@pytest.fixture(scope="module")
def asset_graph(definitions_module):  # noqa: F811
    return definitions_module.defs.resolve_asset_graph()


def test_account_risk_python_model_is_a_dagster_asset_built_from_the_features(asset_graph):
    assert asset_graph.has(RISK) and asset_graph.get(RISK).is_materializable
    assert {FEATURES, FITS} <= asset_graph.get(RISK).parent_keys
    assert FEATURES in asset_graph.get(FITS).parent_keys
    assert "logistic regression" in asset_graph.get(RISK).description


def test_credit_limits_are_built_from_the_risk_scores(asset_graph):
    assert RISK in asset_graph.get(LIMITS).parent_keys


@pytest.mark.parametrize(
    "check",
    [
        "assert_account_risk_drivers_reproduce_score",
        "unique_account_risk_account_id",
    ],
)
def test_account_risk_dbt_tests_are_blocking_asset_checks(asset_graph, check):
    key = dg.AssetCheckKey(RISK, check)
    assert key in asset_graph.asset_check_keys
    assert asset_graph.get_check_spec(key).blocking


def test_refresh_job_materializes_the_risk_marts(definitions_module, asset_graph):  # noqa: F811
    from orchestration.defs.automation.jobs import refresh_ledger_job

    assert {RISK, LIMITS} <= refresh_ledger_job.selection.resolve(asset_graph)
