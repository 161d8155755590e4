"""The dunning drafts asset: the day's reminder notices and escalations, waiting for approval."""


import dagster as dg

from notifications.channels import dunning_root
from orchestration.defs.resources import LedgerloopResource
from orchestration.dunning.customer_links import customer_links
from orchestration.dunning.drafting import (
    DUNNING_READS,
    DUNNING_STATE,
    policy_sha256,
    run_day,
    with_mail_from,
)
from orchestration.dunning.events import EVENTS
from orchestration.outreach.portal_store import customer_portal_settings, open_store
from orchestration.storage.sessions import open_session
from portal.store import audit_log

# The ledger and the records marts the decision reads (the risk and records marts are read when
# present: a missing one only drops its segment conditions or suppressions).
DEPS = [
    dg.AssetKey(["marts", "ar_ledger"]),
    dg.AssetKey(["marts", "disputes"]),
    dg.AssetKey(["marts", "promises_to_pay"]),
    dg.AssetKey(["marts", "payment_plans"]),
    dg.AssetKey(["marts", "account_risk"]),
    dg.AssetKey(["portal", "customer_accounts"]),  # the contacts whose link opens (customer door)
]


@dg.asset(key=["outbox", "dunning_drafts"], deps=DEPS, group_name="outreach", kinds={"email", "duckdb"})
def dunning_drafts(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Today's dunning notices (email, SMS, letter, call task) and escalations, drafted for approval."""
    settings = ledgerloop.settings
    policy = with_mail_from(ledgerloop.policy())  # an invalid policy stops here, before any draft
    policy.dunning.sender(None)  # and so does one without a sender address
    sha256 = policy_sha256(settings.config_path)
    as_of = ledgerloop.facts.as_of
    with (
        open_store(settings.home) as store,
        open_session(settings.warehouse, reads=DUNNING_READS + DUNNING_STATE, replaces=DUNNING_STATE,
                     appends=[EVENTS]) as con,
        audit_log.batched(store) as audit,
    ):
        door = customer_portal_settings(settings.home)
        links = customer_links(door, store) if door is not None else None
        result = run_day(con, policy, sha256, settings.home, as_of, ledgerloop.facts.started_at, audit, links)
    plan = result.plan
    by_channel: dict[str, int] = {}
    for notice in plan.notices:
        by_channel[notice.channel] = by_channel.get(notice.channel, 0) + 1
    return dg.MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "policy_sha256": sha256,
            "notices": len(plan.notices),
            "notices_by_channel": dg.MetadataValue.json(by_channel),
            "invoices_covered": sum(len(n.items) for n in plan.notices),
            "call_tasks": result.call_tasks,
            "escalations": len(plan.escalations),
            "held_by_reason": dg.MetadataValue.json(plan.held_counts()),
            "outreach_events": result.events,
            "contacts_loaded": result.contacts_loaded,
            "drafts_withdrawn": len(result.withdrawn),
            "customer_links": "on" if links is not None else "off (needs LEDGERLOOP_PORTAL_URL and a secret)",
            "outbox": str(dunning_root(settings.home)),
        }
    )


defs = dg.Definitions(assets=[dunning_drafts])
