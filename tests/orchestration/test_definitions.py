"""The code location as Dagster loads it: assets, lineage, checks and the job."""

import datetime as dt
import json
from collections import deque

import dagster as dg
import pytest

from orchestration.defs.instance import prepare_dagster_home

SALESFORCE = dg.AssetKey(["salesforce", "invoices"])
TRACKER = dg.AssetKey(["tracker", "invoices"])
LEDGER = dg.AssetKey(["marts", "ar_ledger"])
AGING = dg.AssetKey(["marts", "ar_aging_daily"])
SNAPSHOT = dg.AssetKey(["snapshots", "snap_ar_ledger__invoices"])
# Written by the ingest assets as a side effect; declared so dbt's sources resolve to them.
BOOKKEEPING = {
    dg.AssetKey(["ingest", "ingested_files"]),
    dg.AssetKey(["quarantine", "rejected_rows"]),
    dg.AssetKey(["payments", "non_receipts"]),
    # Written by outbox/dunning_drafts for the runs after it (a run's marts are upstream of it).
    dg.AssetKey(["outbox", "events"]),
    dg.AssetKey(["dunning", "call_tasks"]),
}


@pytest.fixture(scope="module")
def definitions_module(tmp_path_factory):
    """`orchestration.definitions`, imported the way the code server does: manifest first."""
    home = tmp_path_factory.mktemp("ledgerloop")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        env.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
        env.setenv("LEDGERLOOP_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))  # restored on exit
        prepare_dagster_home(home / "dagster")
        from orchestration.defs.dbt import prepare_manifest

        prepare_manifest()
        import orchestration.definitions as module

        yield module


@pytest.fixture(scope="module")
def defs(definitions_module) -> dg.Definitions:
    return definitions_module.defs


@pytest.fixture(scope="module")
def asset_graph(defs):
    return defs.resolve_asset_graph()


def ancestors(asset_graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    """Every asset upstream of `key`, found by walking parent edges."""
    seen: set[dg.AssetKey] = set()
    queue = deque([key])
    while queue:
        for parent in asset_graph.get(queue.popleft()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return seen


def check_spec(asset_graph, check: str):
    asset, name = check.split(":")
    key = dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), name)
    assert key in asset_graph.asset_check_keys, f"no asset check {check}"
    return asset_graph.get_check_spec(key)


def test_definitions_are_loadable(defs):
    dg.Definitions.validate_loadable(defs)


def test_definitions_module_exposes_a_single_definitions_object(definitions_module):
    # workspace.yaml names the module, not an attribute: Dagster then looks for the one
    # Definitions object at module scope and refuses to load the location if it finds several.
    found = sorted(
        name for name, value in vars(definitions_module).items()
        if isinstance(value, dg.Definitions)
    )
    assert found == ["defs"], (
        f"Definitions objects at module scope of orchestration.definitions: {found}; "
        "`dagster dev` / dagster-webserver fail with 'Cannot have more than one Definitions object'"
    )


@pytest.mark.parametrize("key", [SALESFORCE, TRACKER], ids=lambda k: k.to_user_string())
def test_asset_graph_has_the_ingest_asset(asset_graph, key):
    assert asset_graph.has(key)
    assert asset_graph.get(key).is_materializable


@pytest.mark.parametrize("key", [LEDGER, AGING, SNAPSHOT], ids=lambda k: k.to_user_string())
def test_asset_graph_has_the_dbt_asset(asset_graph, key):
    assert asset_graph.has(key)
    assert asset_graph.get(key).is_materializable


@pytest.mark.parametrize("source", [SALESFORCE, TRACKER], ids=lambda k: k.to_user_string())
def test_ledger_lineage_reaches_back_to_the_ingest_asset(asset_graph, source):
    assert source in ancestors(asset_graph, LEDGER)


def test_worklists_are_built_after_the_customer_contacts_are_loaded(asset_graph):
    contacts = dg.AssetKey(["contacts", "account_contacts"])
    assert asset_graph.get(contacts).is_materializable
    assert contacts in ancestors(asset_graph, dg.AssetKey(["marts", "collector_worklist"]))
    assert contacts in ancestors(asset_graph, dg.AssetKey(["exports", "worklists"]))


@pytest.mark.parametrize(("mart", "recorded"), [
    ("marts/alerts", "dagster/check_failures"),
    ("marts/collector_worklist", "outbox/events"),
    ("marts/collector_worklist", "dunning/call_tasks"),
    ("marts/account_timeline", "outbox/events"),
])
def test_what_earlier_runs_recorded_shows_in_the_lineage_of_the_marts_that_read_it(
    asset_graph, mart, recorded
):
    upstream = ancestors(asset_graph, dg.AssetKey.from_user_string(mart))
    assert dg.AssetKey.from_user_string(recorded) in upstream


def test_aging_and_snapshot_are_built_from_the_ledger(asset_graph):
    assert LEDGER in asset_graph.get(AGING).parent_keys
    assert LEDGER in asset_graph.get(SNAPSHOT).parent_keys


def test_dbt_sources_resolve_to_declared_assets(asset_graph):
    # A dbt source whose key matched no asset would show up as an extra, unmanaged asset and
    # silently cut the lineage from ingest to the marts.
    unmanaged = {key for key in asset_graph.get_all_asset_keys()
                 if not asset_graph.get(key).is_materializable}
    assert unmanaged == BOOKKEEPING


@pytest.mark.parametrize("check", [
    "salesforce/invoices:raw_invoices_valid",
    "marts/ar_ledger:ledger_consistent",
])
def test_check_that_protects_downstream_data_is_blocking(asset_graph, check):
    assert check_spec(asset_graph, check).blocking


@pytest.mark.parametrize("check", [
    "salesforce/invoices:raw_invoices_conform",
    "tracker/invoices:tracker_rows_conform",
])
def test_conformance_check_only_warns(asset_graph, check):
    assert not check_spec(asset_graph, check).blocking


@pytest.mark.parametrize("check", [
    "marts/ar_ledger:unique_ar_ledger_invoice_key",
    "marts/ar_ledger:filled_ar_ledger",
    "marts/ar_ledger:assert_balance_never_exceeds_amount",
])
def test_dbt_test_became_a_blocking_asset_check(asset_graph, check):
    assert check_spec(asset_graph, check).blocking  # severity error


def test_every_dbt_test_on_a_model_or_snapshot_became_an_asset_check(definitions_module,
                                                                     asset_graph):
    from orchestration.defs.dbt import ledgerloop_dbt_project

    manifest = json.loads(ledgerloop_dbt_project().manifest_path.read_text())
    attached = [
        node["name"] for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and node.get("attached_node")
        and manifest["nodes"][node["attached_node"]]["resource_type"] in ("model", "snapshot")
    ]
    checks = {key.name for key in asset_graph.asset_check_keys}
    assert attached
    assert sorted(set(attached) - checks) == []


def test_every_asset_has_a_description(asset_graph):
    missing = sorted(key.to_user_string() for key in asset_graph.get_all_asset_keys()
                     if not (asset_graph.get(key).description or "").strip())
    assert missing == []


def test_every_asset_check_has_a_description(asset_graph):
    missing = sorted(key.to_user_string() for key in asset_graph.asset_check_keys
                     if not (asset_graph.get_check_spec(key).description or "").strip())
    assert missing == [], (
        f"{len(missing)} asset checks show no description in the UI, e.g. {missing[:3]}"
    )


def test_refresh_ledger_job_runs_in_one_process(defs):
    job = defs.resolve_job_def("refresh_ledger_job")
    assert job.executor_def is dg.in_process_executor


def test_refresh_ledger_job_selects_ingest_and_ledger(defs, asset_graph):
    from orchestration.defs.automation.jobs import refresh_ledger_job

    selected = refresh_ledger_job.selection.resolve(asset_graph)
    assert {SALESFORCE, TRACKER, LEDGER, AGING, SNAPSHOT} <= selected


def test_the_answer_loop_rebuilds_what_lies_between_the_inboxes_and_the_collectors_lists(defs, asset_graph):
    from orchestration.defs.automation.jobs import answer_loop_job

    selected = {key.to_user_string() for key in answer_loop_job.selection.resolve(asset_graph)}
    assert {"portal/director_updates", "portal/collector_entries", "marts/ar_ledger",
            "marts/promises_to_pay", "marts/disputes", "marts/collector_worklist_items",
            "marts/account_timeline", "portal/collector_worklists"} <= selected
    # nothing people receive, no ingest of files, no daily refit
    assert not {key for key in selected if key.startswith(("outbox/", "exports/", "salesforce/"))}
    assert not {"marts/account_risk", "intermediate/int_account_risk_fits",
                "intermediate/int_account_risk_features", "marts/alerts"} & selected
    assert defs.resolve_job_def("answer_loop_job").executor_def is dg.in_process_executor
    # queued, it starts before the refreshes queued earlier (Dagster launches higher priorities first)
    priority = {name: int(defs.resolve_job_def(name).tags.get("dagster/priority", "0"))
                for name in ("answer_loop_job", "refresh_ledger_job")}
    assert priority["answer_loop_job"] > priority["refresh_ledger_job"]
    for sensor in ("new_director_updates_sensor", "new_collector_entries_sensor"):
        assert defs.resolve_sensor_def(sensor).job_name == "answer_loop_job"


def test_schedule_and_sensor_are_registered_with_their_resources(defs):
    assert defs.resolve_schedule_def("every_15_minutes_refresh_ledger_schedule").job_name == (
        "refresh_ledger_job"
    )
    sensor = defs.resolve_sensor_def("new_landing_files_sensor")
    assert sensor.job_name == "refresh_ledger_job"
    assert "ledgerloop" in sensor.required_resource_keys
    assert "ledgerloop" in defs.resources


def test_dbt_generated_checks_are_described_in_sentences(asset_graph):
    # What the UI shows beside dbt's names for the checks on the ledger.
    assert check_spec(asset_graph, "marts/ar_ledger:unique_ar_ledger_invoice_key").description == (
        "No two rows of ar_ledger have the same invoice_key. invoice_key: Office code and normalized "
        "invoice number (`NYC:123`).")
    assert check_spec(asset_graph, "marts/ar_ledger:filled_ar_ledger").description == (
        "invoice_key, display_number, office, amount, matched_paid_amount, written_off_amount, balance "
        "and status are filled in on every row of ar_ledger.")
    accepted = check_spec(asset_graph, "marts/ar_ledger:accepted_values_ar_ledger_status__open__paid")
    assert accepted.description == "status in ar_ledger is always one of: open, paid."
    dbt_checks = [key for key in asset_graph.asset_check_keys
                  if asset_graph.get(key.asset_key).is_materializable
                  and key.name.startswith(("filled_", "unique_", "accepted_values_", "non_negative_"))]
    unreadable = sorted(f"{key.asset_key.to_user_string()}:{key.name}" for key in dbt_checks
                        if asset_graph.get_check_spec(key).description.startswith("dbt ")
                        or key.name in asset_graph.get_check_spec(key).description)
    assert dbt_checks and unreadable == []


def test_daily_schedule_runs_the_job_once_a_day_as_of_that_day(defs):
    schedule = defs.resolve_schedule_def("daily_collections_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 7 * * *", "America/New_York")
    tick = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
    request = schedule(tick)
    dg.validate_run_config(defs.resolve_job_def(request.job_name or schedule.job_name), request.run_config)
    assert request.run_config["resources"]["ledgerloop"]["config"] == {
        "as_of": "2026-11-23", "started_at": "2026-11-23T12:00:00+00:00"}
