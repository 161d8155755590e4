"""Schedules."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.automation.jobs import refresh_ledger_job
from orchestration.config import Policy
from orchestration.resources import LedgerloopResource

# The ledger stays at most 15 minutes behind the sources, even when no file arrives
# (the Salesforce API is polled, and aging moves with the date).
every_15_minutes_refresh_ledger_schedule = dg.ScheduleDefinition(
    name="every_15_minutes_refresh_ledger_schedule",
    job=refresh_ledger_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def daily_run_due(policy: Policy, now: dt.datetime) -> dt.date | None:
    """The local date whose daily run is due at `now` (an aware datetime), or None before the
    policy's `schedules.daily_at` in its time zone."""
    local = now.astimezone(ZoneInfo(policy.timezone))
    return local.date() if local.time() >= policy.schedules.daily_at else None


# Collectors and managers expect the day's lists at a fixed local hour, whatever the refresh
# cadence. The time is read from the policy at each tick (so editing `ledgerloop.yaml` needs no
# reload), and the run key makes it one run per local day.
@dg.schedule(
    name="daily_collections_schedule",
    job=refresh_ledger_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Once a day at `schedules.daily_at` (local time): the day's worklists, workload, alerts.",
)
def daily_collections_schedule(context: dg.ScheduleEvaluationContext, ledgerloop: LedgerloopResource):
    policy = ledgerloop.policy()
    now = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    day = daily_run_due(policy, now)
    if day is None:
        return dg.SkipReason(
            f"the daily lists are made at {policy.schedules.daily_at:%H:%M} {policy.timezone}"
        )
    return dg.RunRequest(run_key=f"daily-{day.isoformat()}", tags={"ledgerloop/daily": day.isoformat()})
