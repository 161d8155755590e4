from pathlib import Path

import pytest
import yaml

from orchestration.policy import PolicyError, load_policy
from orchestration.settings import REPO_ROOT, Settings
from orchestration.storage.engine import DUCKDB_MEMORY_LIMIT_ENV

POLICY = REPO_ROOT / "ledgerloop.yaml"


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(POLICY.read_text())
    change(data)
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_policy_shipped_with_the_repo_loads():
    policy = load_policy(POLICY)
    assert [o.code for o in policy.offices] == ["NYC", "LDN"]
    assert [b.label for b in policy.aging.buckets] == ["current", "1-30", "31-60", "61-90", "90+"]


def test_policy_error_names_the_key_of_a_bad_time_zone(tmp_path):
    path = _write(tmp_path, lambda d: d.update(timezone="Mars/Olympus"))
    with pytest.raises(PolicyError, match=r"timezone: unknown time zone 'Mars/Olympus'"):
        load_policy(path)


def test_policy_error_names_the_nested_key_of_a_missing_required_column(tmp_path):
    path = _write(tmp_path, lambda d: d["sources"]["salesforce"]["columns"].pop("due_date"))
    with pytest.raises(PolicyError, match=r"sources\.salesforce\.columns: .*\['due_date'\] have no column"):
        load_policy(path)


def test_policy_rejects_buckets_out_of_order(tmp_path):
    def swap(d):
        d["aging"]["buckets"][1]["max_days"] = 70

    with pytest.raises(PolicyError, match=r"aging\.buckets: .*increase strictly"):
        load_policy(_write(tmp_path, swap))


def test_policy_rejects_an_alias_naming_two_offices(tmp_path):
    path = _write(tmp_path, lambda d: d["offices"][1]["aliases"].append("NY"))
    with pytest.raises(PolicyError, match=r"offices: 'NY' names both NYC and LDN"):
        load_policy(path)


def test_policy_rejects_unknown_keys(tmp_path):
    path = _write(tmp_path, lambda d: d.update(agin={"buckets": []}))
    with pytest.raises(PolicyError, match=r"agin: Extra inputs are not permitted"):
        load_policy(path)


def test_policy_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path / "nope.yaml")


def test_policy_gives_dbt_each_offices_invoice_display_format():
    formats = load_policy(POLICY).dbt_vars()["invoice_display"]
    assert formats == {"NYC": {"prefix": "INV-", "width": 8, "suffix": ""},
                       "LDN": {"prefix": "INV-", "width": 8, "suffix": ""}}


def test_policy_error_names_an_invoice_display_without_the_number(tmp_path):
    path = _write(tmp_path, lambda d: d["offices"][1].update(invoice_display="LDN-{num:06}"))
    expected = r"offices\.1\.invoice_display: 'LDN-\{num:06\}' must hold \{number\}"
    with pytest.raises(PolicyError, match=expected):
        load_policy(path)


def test_the_duckdb_memory_limit_reaches_dbt_s_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_WAREHOUSE_URL", raising=False)
    path = _write(tmp_path, lambda d: d["warehouse"].update(duckdb_memory_limit="1.5GB"))
    engine = Settings(home=tmp_path, config_path=path).warehouse
    assert engine.dbt_environment() == {DUCKDB_MEMORY_LIMIT_ENV: "1.5GB"}


def test_policy_error_names_a_memory_limit_without_a_unit(tmp_path):
    path = _write(tmp_path, lambda d: d["warehouse"].update(duckdb_memory_limit="1024"))
    with pytest.raises(PolicyError, match=r"warehouse\.duckdb_memory_limit: .*'1024' is not a memory size"):
        load_policy(path)
