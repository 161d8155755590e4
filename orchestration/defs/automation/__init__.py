"""Automation wiring: the refresh job, its schedules and the landing-files sensor."""

import dagster as dg

from orchestration.defs.automation.jobs import answer_loop_job, refresh_ledger_job
from orchestration.defs.automation.schedules import (
    daily_collections_schedule,
    every_15_minutes_refresh_ledger_schedule,
)
from orchestration.defs.automation.sensors import new_landing_files_sensor, refresh_finished_sensor

defs = dg.Definitions(
    jobs=[refresh_ledger_job, answer_loop_job],
    schedules=[every_15_minutes_refresh_ledger_schedule, daily_collections_schedule],
    sensors=[new_landing_files_sensor, refresh_finished_sensor],
)
