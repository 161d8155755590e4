"""Alert emails: one draft per owner with the alerts raised today."""


import dagster as dg

from notifications.outbox import Outbox
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.alerts import owner_names, read_alerts, staff_links, write_alert_drafts
from orchestration.outreach.drafts import sender_from_env
from orchestration.outreach.portal_store import open_store, portal_settings
from orchestration.storage.sessions import open_session

ALERTS = dg.AssetKey(["marts", "alerts"])

@dg.asset(key=["outbox", "alert_drafts"], deps=[ALERTS], group_name="outreach", kinds={"email"})
def alert_drafts(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """One email draft per owner with the alerts raised today, in outbox/drafts/<date>/, for approval."""
    policy = ledgerloop.policy()
    home = ledgerloop.settings.home
    day = ledgerloop.facts.as_of
    with open_session(ledgerloop.settings.warehouse, reads=["marts.alerts"], read_only=True) as con:
        alerts = read_alerts(con, day)
    with open_store(home) as store:
        links = staff_links(policy, store, portal_settings(home), (a.owner_email or "" for a in alerts))
    result = write_alert_drafts(
        alerts,
        owner_names(policy),
        Outbox(home / "outbox"),
        day,
        sender_from_env(policy),
        ledgerloop.facts.started_at,
        links,
    )
    return dg.MaterializeResult(
        metadata={
            "alerts_raised_today": len(alerts),
            "drafts_written": len(result.written),
            "owners_already_approved_or_sent": len(result.already_approved_or_sent),
            "owners_without_email": len(result.without_email),
            "alerts_without_email": "; ".join(result.without_email[:10]) or "none",
            "folder": str(home / "outbox" / "drafts" / day.isoformat()),
            "as_of": day.isoformat(),
        }
    )


defs = dg.Definitions(assets=[alert_drafts])
