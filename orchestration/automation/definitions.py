import dagster as dg

from orchestration.automation.jobs import refresh_ledger_job
from orchestration.automation.schedules import (
    daily_collections_schedule,
    every_15_minutes_refresh_ledger_schedule,
)
from orchestration.automation.sensors import new_landing_files_sensor

defs = dg.Definitions(
    jobs=[refresh_ledger_job],
    schedules=[every_15_minutes_refresh_ledger_schedule, daily_collections_schedule],
    sensors=[new_landing_files_sensor],
)
