"""Failed checks reach `raw.check_failures` once each, from Dagster's own event log."""

import dagster as dg

from orchestration.defs.quality.check_failures import check_failures
from orchestration.defs.resources import LedgerloopResource
from orchestration.storage.warehouse import connect


@dg.asset(key=["test", "numbers"])
def numbers() -> int:
    return 1


@dg.asset_check(asset=numbers, description="the numbers add up")
def numbers_add_up() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"off_by": 3})


@dg.asset_check(asset=numbers)
def numbers_present() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def rows(home):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(
            "select check_name, asset_key, severity, description, run_id "
            "from raw.check_failures order by failed_at"
        ).fetchall()


def run(instance, home):
    return dg.materialize(
        [numbers, numbers_add_up, numbers_present, check_failures],
        instance=instance,
        resources={"ledgerloop": LedgerloopResource(home=str(home))},
        raise_on_error=False,
    )


def test_a_failed_check_is_loaded_once_with_its_severity_and_run(tmp_path):
    with dg.instance_for_test() as instance:
        first = run(instance, tmp_path)
        # check_failures may run before or after the check in the first run; after two runs the
        # first run's failure is there exactly once, and the second's too.
        second = run(instance, tmp_path)
        third_rows_before = rows(tmp_path)
        run(instance, tmp_path)
        loaded = rows(tmp_path)
    failed_runs = {first.run_id, second.run_id}
    assert {r[4] for r in third_rows_before} >= {first.run_id}
    assert len({r[4] for r in loaded}) == len(loaded)  # one failure per run, never twice
    assert failed_runs <= {r[4] for r in loaded}
    assert all(r[0] == "numbers_add_up" and r[1] == "test/numbers" and r[2] == "WARN" for r in loaded)
    assert all("off_by: 3" in r[3] for r in loaded)
    assert not any(r[0] == "numbers_present" for r in loaded)
