"""The schedule and the landing-folder sensor that start `refresh_ledger_job`."""

import datetime as dt
import os

import dagster as dg
import pytest

from orchestration.defs.automation.schedules import (
    build_daily_collections_schedule,
    daily_collections_schedule,
    every_15_minutes_refresh_ledger_schedule,
)
from orchestration.defs.automation.sensors import new_landing_files_sensor
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.landing import pending_files
from orchestration.ingest.sources import legacy_tracker
from orchestration.policy import Policy, load_policy
from orchestration.run_inputs import begin_refresh, finish_refresh
from orchestration.settings import REPO_ROOT


@pytest.fixture
def ledgerloop(tmp_path, monkeypatch) -> LedgerloopResource:
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)  # the repo's ledgerloop.yaml
    return LedgerloopResource(home=str(tmp_path))


def tick(ledgerloop: LedgerloopResource):
    """One evaluation of the sensor, with the resource bound the way the daemon binds it."""
    with dg.build_sensor_context(resources={"ledgerloop": ledgerloop}) as context:
        return new_landing_files_sensor(context)


def drop(home: str, relative: str, content: bytes = b"Invoice Number,Amount\nINV-1,10\n",
         mtime: int = 1_790_000_000) -> None:
    path = os.path.join(home, "landing", relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
    os.utime(path, (mtime, mtime))


def test_schedule_refreshes_the_ledger_every_15_minutes():
    schedule = every_15_minutes_refresh_ledger_schedule
    assert schedule.cron_schedule == "*/15 * * * *"
    assert schedule.job_name == "refresh_ledger_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_sensor_starts_refresh_ledger_job_and_runs_by_default():
    assert new_landing_files_sensor.job_name == "refresh_ledger_job"
    assert new_landing_files_sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_sensor_skips_when_there_is_no_landing_folder(ledgerloop):
    result = tick(ledgerloop)
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message == "no new files in landing/"


def test_sensor_skips_when_landing_folders_are_empty(ledgerloop, tmp_path):
    for folder in ("salesforce", "tracker"):
        (tmp_path / "landing" / folder).mkdir(parents=True)
    assert isinstance(tick(ledgerloop), dg.SkipReason)


@pytest.mark.parametrize("relative", [
    "salesforce/nyc_week1.csv",
    "salesforce/NYC_WEEK1.CSV",
    "tracker/collections_tracker.xlsx",
    "tracker/collections_tracker.csv",
    "history/erp_invoice_history.csv",
])
def test_sensor_requests_a_run_when_a_file_waits(ledgerloop, relative):
    drop(ledgerloop.home, relative)
    result = tick(ledgerloop)
    assert isinstance(result, dg.RunRequest)
    assert result.run_key
    assert result.tags == {"ledgerloop/trigger": "new files"}


def test_sensor_gives_the_same_run_key_while_the_same_files_wait(ledgerloop):
    drop(ledgerloop.home, "salesforce/nyc_week1.csv")
    drop(ledgerloop.home, "tracker/collections_tracker.xlsx", b"PK\x03\x04")
    assert tick(ledgerloop).run_key == tick(ledgerloop).run_key


def test_sensor_gives_a_new_run_key_when_another_file_arrives(ledgerloop):
    drop(ledgerloop.home, "salesforce/nyc_week1.csv")
    first = tick(ledgerloop).run_key
    drop(ledgerloop.home, "tracker/collections_tracker.xlsx", b"PK\x03\x04")
    second = tick(ledgerloop).run_key
    drop(ledgerloop.home, "salesforce/nyc_week2.csv")
    third = tick(ledgerloop).run_key
    assert len({first, second, third}) == 3


def test_sensor_gives_a_new_run_key_when_a_waiting_file_is_replaced(ledgerloop):
    drop(ledgerloop.home, "salesforce/nyc_week1.csv")
    first = tick(ledgerloop).run_key
    drop(ledgerloop.home, "salesforce/nyc_week1.csv", b"Invoice Number,Amount\nINV-1,12\n",
         mtime=1_790_000_060)
    assert tick(ledgerloop).run_key != first


@pytest.mark.parametrize("relative", [
    "salesforce/.nyc_week1.csv",                 # hidden (macOS ._ files, partial uploads)
    "salesforce/~$nyc_week1.csv",                # Excel's lock file for an open CSV
    "tracker/~$collections_tracker.xlsx",        # Excel's lock file for an open workbook
    "tracker/.~lock.collections_tracker.xlsx#",  # LibreOffice's lock file
    "salesforce/nyc_week1.txt",
    "payments/.remittance.csv",                  # hidden, in the payments folder
])
def test_sensor_ignores_files_it_must_not_load(ledgerloop, relative):
    drop(ledgerloop.home, relative)
    assert isinstance(tick(ledgerloop), dg.SkipReason)


@pytest.mark.parametrize("relative", ["payments/bank_statement.csv", "payments/camt053.xml"])
def test_sensor_requests_a_run_for_a_waiting_payment_file(ledgerloop, relative):
    drop(ledgerloop.home, relative)
    assert isinstance(tick(ledgerloop), dg.RunRequest)


def test_sensor_run_key_ignores_a_lock_file_next_to_a_waiting_file(ledgerloop):
    # Opening the waiting workbook in Excel must not start a second run.
    drop(ledgerloop.home, "tracker/collections_tracker.xlsx", b"PK\x03\x04")
    before = tick(ledgerloop).run_key
    drop(ledgerloop.home, "tracker/~$collections_tracker.xlsx", b"\x00" * 165)
    assert tick(ledgerloop).run_key == before


@pytest.mark.parametrize("name", [
    "tracker.xlsx", "tracker.xlsm", "tracker.xls", "tracker.ods", "tracker.csv", "tracker.txt",
])
def test_sensor_fires_for_a_tracker_file_exactly_when_ingest_would_load_it(ledgerloop, name):
    # A run for a file that ingest never picks up loads nothing, and the file then waits in
    # landing/ forever without a word in the run's metadata.
    drop(ledgerloop.home, f"tracker/{name}", b"PK\x03\x04")
    source = legacy_tracker(ledgerloop.policy())
    ingest_loads_it = bool(
        pending_files(ledgerloop.settings.landing_dir / source.folder, source.suffixes)
    )
    requests_a_run = isinstance(tick(ledgerloop), dg.RunRequest)
    assert requests_a_run == ingest_loads_it, (
        f"landing/tracker/{name}: the sensor requests a run = {requests_a_run}, "
        f"ingest loads it = {ingest_loads_it} (tracker suffixes {source.suffixes})"
    )


def daily_tick(schedule: dg.ScheduleDefinition, utc: dt.datetime):
    context = dg.build_schedule_context(scheduled_execution_time=utc)
    return schedule(context)


def policy_at(tmp_path, daily_at: str) -> Policy:
    path = tmp_path / "ledgerloop.yaml"
    text = (REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace('daily_at: "07:00"', f'daily_at: "{daily_at}"'), encoding="utf-8")
    return load_policy(path)


def test_daily_schedule_is_a_daily_cron_at_the_policys_local_hour():
    # What the Dagster UI shows as the schedule's cadence and next tick.
    assert daily_collections_schedule.cron_schedule == "0 7 * * *"
    assert daily_collections_schedule.execution_timezone == "America/New_York"
    assert daily_collections_schedule.job_name == "refresh_ledger_job"
    assert daily_collections_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert daily_collections_schedule.description.startswith(
        "Every day at 07:00 America/New_York (`schedules.daily_at` in ledgerloop.yaml)")


def test_daily_schedule_follows_the_hour_and_zone_of_the_policy(tmp_path):
    schedule = build_daily_collections_schedule(policy_at(tmp_path, "05:30"))
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 5 * * *", "America/New_York")
    assert "Every day at 05:30 America/New_York" in schedule.description


def test_daily_schedule_asks_for_one_run_per_local_day_as_of_that_day():
    # 07:00 in New York is 12:00 UTC in November; the next day's tick is another run.
    first = daily_tick(daily_collections_schedule, dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))
    again = daily_tick(daily_collections_schedule, dt.datetime(2026, 11, 23, 12, 0, 30, tzinfo=dt.UTC))
    assert first.run_key == again.run_key == "daily-2026-11-23"
    assert first.run_config == {"resources": {"ledgerloop": {"config": {
        "as_of": "2026-11-23", "started_at": "2026-11-23T12:00:00+00:00"}}}}
    # 02:30 UTC on the 24th is still the 23rd in New York.
    late = daily_tick(daily_collections_schedule, dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC))
    assert late.run_key == "daily-2026-11-23"
    next_day = daily_tick(daily_collections_schedule, dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC))
    assert next_day.run_key == "daily-2026-11-24"


def quarter_hour_tick(ledgerloop: LedgerloopResource):
    with dg.build_schedule_context(
            scheduled_execution_time=dt.datetime(2026, 11, 24, 4, 45, tzinfo=dt.UTC),
            resources={"ledgerloop": ledgerloop}) as context:
        return every_15_minutes_refresh_ledger_schedule(context)


def test_every_15_minutes_tick_puts_the_day_and_moment_in_the_run_config(ledgerloop):
    tick = quarter_hour_tick(ledgerloop)
    # 04:45 UTC on the 24th is still the 23rd in New York: one day for every step of the run.
    assert tick.run_config == {"resources": {"ledgerloop": {"config": {
        "as_of": "2026-11-23", "started_at": "2026-11-24T04:45:00+00:00"}}}}


def test_every_15_minutes_tick_skips_when_nothing_is_new_since_the_last_refresh(ledgerloop):
    settings, policy, day = ledgerloop.settings, ledgerloop.policy(), dt.date(2026, 11, 23)
    begin_refresh(settings, policy, day, "run-1")
    finish_refresh(settings, policy, "run-1", dt.datetime(2026, 11, 24, 4, 40, tzinfo=dt.UTC))
    assert isinstance(quarter_hour_tick(ledgerloop), dg.SkipReason)
    drop(ledgerloop.home, "salesforce/nyc.csv")
    assert isinstance(quarter_hour_tick(ledgerloop), dg.RunRequest)
