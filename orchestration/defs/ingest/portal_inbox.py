"""The portal store's inboxes as Dagster assets and sensors: load one into the warehouse, and
start the answer loop (`answer_loop_job`) when it holds ids past the newest a run was asked for."""


import dagster as dg

from orchestration.defs.automation.jobs import answer_loop_job
from orchestration.defs.resources import LedgerloopResource
from orchestration.ingest.portal_inbox import BATCH, PortalInbox, load_inbox
from orchestration.outreach.portal_store import open_store
from orchestration.storage.sessions import open_session
from portal.store import PortalStore


def ingest_inbox(ledgerloop: LedgerloopResource, inbox: PortalInbox) -> dg.MaterializeResult:
    """The body of an inbox's asset: load it from the settings' store into their warehouse."""
    settings = ledgerloop.settings
    with (open_store(settings.home) as store,
          open_session(settings.warehouse, reads=[inbox.raw_table], appends=[inbox.raw_table]) as con):
        counts = load_inbox(con, store, inbox, ledgerloop.facts.started_at)
    return dg.MaterializeResult(metadata=counts)


def newest_id(store: PortalStore, inbox: PortalInbox, after: int) -> int:
    """The highest id in the inbox above `after` (or `after` itself when there is none)."""
    newest = after
    while batch := inbox.read_after(store, newest, BATCH):
        newest = inbox.row_id(batch[-1])
    return newest


def inbox_sensor(inbox: PortalInbox, name: str, description: str) -> dg.SensorDefinition:
    """A sensor that starts the answer loop when the inbox has ids past the newest it asked a run
    for (kept in its cursor); it reads only the store, never the warehouse."""

    @dg.sensor(
        name=name,
        description=description,
        job=answer_loop_job,
        minimum_interval_seconds=10,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext, ledgerloop: LedgerloopResource):
        seen = int(context.cursor or 0)
        with open_store(ledgerloop.settings.home) as store:
            newest = newest_id(store, inbox, seen)
        if newest == seen:
            return dg.SkipReason(f"no {inbox.name} after id {seen}")
        context.update_cursor(str(newest))
        return dg.RunRequest(
            run_key=f"{inbox.name.replace(' ', '-')}-{newest}", tags={"ledgerloop/trigger": inbox.name}
        )

    return _sensor
