"""Schedules."""

import datetime as dt

import dagster as dg

from orchestration.defs.automation.jobs import refresh_ledger_job
from orchestration.defs.resources import LedgerloopResource
from orchestration.policy import Policy
from orchestration.run_inputs import nothing_new
from orchestration.runtime import RunFacts, now_utc
from orchestration.settings import Settings


def _tick_facts(context: dg.ScheduleEvaluationContext, as_of: dt.date | None = None) -> dict:
    """The run config a tick gives its run: the day and the moment it is for (the run's facts)."""
    settings = Settings()
    moment = context.scheduled_execution_time or now_utc()
    facts = RunFacts.at(moment, settings.policy().timezone, settings.home, settings.config_path, as_of)
    # The day and the moment only: where the run works stays the deployment's (its environment).
    day_and_moment = {key: facts.run_config()[key] for key in ("as_of", "started_at")}
    return {"resources": {"ledgerloop": {"config": day_and_moment}}}


# The ledger stays at most 15 minutes behind the sources, even when no file arrives
# (the Salesforce API is polled, and aging moves with the date).
@dg.schedule(
    name="every_15_minutes_refresh_ledger_schedule",
    job=refresh_ledger_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def every_15_minutes_refresh_ledger_schedule(
    context: dg.ScheduleEvaluationContext, ledgerloop: LedgerloopResource
):
    """Every 15 minutes: refresh the ledger for the tick's local day, unless nothing is new since
    the last refresh (same day, no file waiting, no portal entry, same policy, code and files)."""
    config = _tick_facts(context)
    day = dt.date.fromisoformat(config["resources"]["ledgerloop"]["config"]["as_of"])
    if last := nothing_new(ledgerloop.settings, ledgerloop.policy(), day):
        return dg.SkipReason(f"nothing new since run {last.run_id[:8]} (as of {last.as_of.isoformat()})")
    return dg.RunRequest(run_config=config)


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
        config = _tick_facts(context)
        day = config["resources"]["ledgerloop"]["config"]["as_of"]
        return dg.RunRequest(
            run_key=f"daily-{day}",  # one run per local day, even if the daemon ticks twice
            run_config=config,
            tags={"ledgerloop/daily": day},
        )

    return daily_collections_schedule


# Collectors and managers expect the day's lists at a fixed local hour, whatever the refresh
# cadence. The hour is read from the policy when the code location loads.
daily_collections_schedule = build_daily_collections_schedule(Settings().policy())
