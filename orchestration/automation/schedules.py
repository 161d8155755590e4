"""Schedules."""

import dagster as dg

from orchestration.automation.jobs import refresh_ledger_job

# The ledger stays at most 15 minutes behind the sources, even when no file arrives
# (the Salesforce API is polled, and aging moves with the date).
every_15_minutes_refresh_ledger_schedule = dg.ScheduleDefinition(
    name="every_15_minutes_refresh_ledger_schedule",
    job=refresh_ledger_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
