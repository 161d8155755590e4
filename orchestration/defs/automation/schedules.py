"""Schedules."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.automation.jobs import refresh_ledger_job
from orchestration.policy import Policy
from orchestration.settings import Settings

# The ledger stays at most 15 minutes behind the sources, even when no file arrives
# (the Salesforce API is polled, and aging moves with the date).
every_15_minutes_refresh_ledger_schedule = dg.ScheduleDefinition(
    name="every_15_minutes_refresh_ledger_schedule",
    job=refresh_ledger_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def daily_cron(policy: Policy) -> str:
    """`schedules.daily_at` as a cron line, run in the policy's time zone (DST included)."""
    at = policy.schedules.daily_at
    return f"{at.minute} {at.hour} * * *"


def build_daily_collections_schedule(policy: Policy) -> dg.ScheduleDefinition:
    """The daily run at the policy's local hour, as a real cron schedule: the Dagster UI shows
    "every day at 07:00 America/New_York" and the next tick, not a check every 15 minutes."""
    at, zone = policy.schedules.daily_at, policy.timezone

    @dg.schedule(
        name="daily_collections_schedule",
        job=refresh_ledger_job,
        cron_schedule=daily_cron(policy),
        execution_timezone=zone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"Every day at {at:%H:%M} {zone} (`schedules.daily_at` in ledgerloop.yaml): the day's "
            "worklists, workload view, alerts and dunning drafts, as of that local day. A new hour "
            "takes effect when the code location reloads (restart `ledgerloop serve`)."
        ),
    )
    def daily_collections_schedule(context: dg.ScheduleEvaluationContext):
        now = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
        day = now.astimezone(ZoneInfo(zone)).date().isoformat()
        return dg.RunRequest(
            run_key=f"daily-{day}",  # one run per local day, even if the daemon ticks twice
            run_config={"resources": {"ledgerloop": {"config": {"as_of": day}}}},
            tags={"ledgerloop/daily": day},
        )

    return daily_collections_schedule


# Collectors and managers expect the day's lists at a fixed local hour, whatever the refresh
# cadence. The hour is read from the policy when the code location loads.
daily_collections_schedule = build_daily_collections_schedule(Settings().policy())
