"""Each piece of dbt logic has one owner: a model says what it computes and a macro says how, so
the two KPI marts cannot drift apart and a policy value has one default (the policy model's)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.policy import load_policy
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

MODELS = DBT_PROJECT_DIR / "models"
POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")


def sql_files(folder):
    return sorted(folder.rglob("*.sql"))


def test_the_dso_countback_is_computed_by_one_macro():
    # The days each month adds, from the sales of the months already walked.
    computing = [path.name for path in sql_files(MODELS)
                 if "kpi_countback_days(" in path.read_text(encoding="utf-8")]
    using = [path.name for path in sql_files(MODELS)
             if "kpi_days_sales_outstanding(" in path.read_text(encoding="utf-8")]
    assert computing == []
    assert using == ["collections_kpis.sql", "collections_kpis_monthly.sql"]


def test_policy_settings_are_read_only_through_the_policy_macro():
    # Every var the policy passes has its defaults in the policy model alone: no macro, model,
    # test or dbt_project.yml keeps a copy. macros/policy.sql reads them (by the section's
    # name); the Python models (the day's risk fit and the scores) read their config, which
    # cannot call a macro, and stop when the var is missing (orchestration.risk.daily.model_inputs).
    sections = "|".join(POLICY.dbt_vars())
    reading = sorted(
        str(path.relative_to(DBT_PROJECT_DIR)) for path in DBT_PROJECT_DIR.rglob("*")
        if path.suffix in (".sql", ".yml", ".py") and "target" not in path.parts
        and re.search(rf"""var\(\s*['"]({sections})['"]""", path.read_text(encoding="utf-8"))
    )
    assert reading == ["models/intermediate/risk/dbt_python/_risk_fits__models.yml",
                       "models/marts/risk/_risk__models.yml"]
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert set(project["vars"]) == {"as_of"}


@pytest.mark.integration
def test_a_dbt_run_without_the_policy_vars_stops_naming_the_missing_var(tmp_path):
    env = {**os.environ, "LEDGERLOOP_HOME": str(tmp_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_TARGET_PATH": str(tmp_path / "dbt-target"), "DBT_LOG_PATH": str(tmp_path / "dbt-logs")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "compile", "--select", "collector_workload",
         "--vars", json.dumps({"as_of": "2026-11-23"}),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert "var 'worklist' is required" in result.stdout


def test_models_read_what_the_pipeline_writes_as_sources_not_by_name():
    # Lineage (dbt's and Dagster's) shows an input only when it is a source() or a ref(). What
    # a model may still look up by name is a model's own earlier output, which cannot be a ref.
    by_name = sorted(
        path.name for path in sql_files(DBT_PROJECT_DIR)
        if "target" not in path.parts
        and re.search(r"adapter\.get_relation|\b(from|join)\s+(raw|outreach|quarantine)\.",
                      path.read_text(encoding="utf-8"))
    )
    assert by_name == ["credit_limits.sql", "int_alerts_previous_run.sql"]


@pytest.mark.integration
def test_the_risk_model_is_given_the_policy_s_risk_section():
    # dbt hands a Python model only the config keys it finds as `dbt.config.get("...")` calls;
    # a key read inside an expression was silently missing, and the model fell back to defaults.
    from orchestration.defs.dbt import ledgerloop_dbt_project, prepare_manifest

    prepare_manifest()
    manifest = json.loads(ledgerloop_dbt_project().manifest_path.read_text(encoding="utf-8"))
    config = manifest["nodes"]["model.ledgerloop.account_risk"]["config"]
    assert {"risk_policy", "as_of"} <= set(config["config_keys_used"])
