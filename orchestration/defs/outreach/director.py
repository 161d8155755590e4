"""Outreach assets: the portal's read model of director jobs, and the director email drafts."""

from __future__ import annotations

import dagster as dg

from notifications.outbox import Outbox
from orchestration.defs.resources import LedgerloopResource
from orchestration.dunning.contacts import current_contacts
from orchestration.outreach.drafts import sender_from_env, write_director_drafts
from orchestration.outreach.jobs import JobSelection, published_policy, select_director_jobs
from orchestration.outreach.portal_store import open_store, portal_settings
from orchestration.storage.sessions import open_session
from portal.store import director_jobs as jobs_model

LEDGER = dg.AssetKey(["marts", "ar_ledger"])
DIRECTOR_JOBS = dg.AssetKey(["portal", "director_jobs"])


def _selection(ledgerloop: LedgerloopResource) -> JobSelection:
    with open_session(ledgerloop.settings.warehouse, read_only=True, reads=[
            "marts.ar_ledger", "raw.director_updates", "outreach.account_contacts"]) as con:
        contacts = current_contacts(con, ledgerloop.settings.home)
        return select_director_jobs(con, ledgerloop.policy(), contacts)


def _accounts(ledgerloop: LedgerloopResource) -> dict[str, str]:
    """Invoice key -> customer account id of open invoices, to name the accounts a draft is about."""
    with open_session(ledgerloop.settings.warehouse, reads=["marts.ar_ledger"], read_only=True) as con:
        return dict(con.execute(
            "select invoice_key, account_id from marts.ar_ledger where balance > 0 and account_id is not null"
        ).fetchall())


@dg.asset(key=DIRECTOR_JOBS, deps=[LEDGER], group_name="outreach", kinds={"sqlite"})
def director_jobs(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Open invoices each director must answer about, published to the portal store in one transaction."""
    policy = ledgerloop.policy()
    selection = _selection(ledgerloop)
    with open_store(ledgerloop.settings.home) as store:
        published = jobs_model.publish(
            store, selection.jobs, [s.label for s in policy.portal.statuses], published_policy(policy)
        )
    return dg.MaterializeResult(metadata={
        "jobs_published": published,
        "directors": len(selection.by_director()),
        "jobs_with_a_client_contact": sum(bool(j.contact_name or j.contact_email) for j in selection.jobs),
        "jobs_without_director_email": len(selection.without_director_email),
        "examples_without_director_email": ", ".join(selection.without_director_email[:10]) or "none",
    })


@dg.asset(key=["outbox", "director_drafts"], deps=[DIRECTOR_JOBS], group_name="outreach",
          kinds={"email"})
def director_drafts(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """One email draft per director with jobs to answer, in outbox/drafts/<date>/, waiting for approval."""
    policy = ledgerloop.policy()
    home = ledgerloop.settings.home
    selection = _selection(ledgerloop)
    with open_store(home) as store:
        result = write_director_drafts(
            selection.by_director(), store, portal_settings(home), Outbox(home / "outbox"),
            ledgerloop.facts.as_of, sender_from_env(policy), ledgerloop.facts.started_at,
            _accounts(ledgerloop),
        )
    return dg.MaterializeResult(metadata={
        "drafts_written": len(result.written),
        "drafts_unchanged": len(result.unchanged),
        "directors_already_approved_or_sent": len(result.already_approved_or_sent),
        "drafts_withdrawn": len(result.withdrawn),
        "directors_with_unusable_email": len(result.unaddressable),
        "unusable_emails": "; ".join(result.unaddressable[:10]) or "none",
        "folder": str(home / "outbox" / "drafts" / ledgerloop.facts.as_of.isoformat()),
    })


defs = dg.Definitions(assets=[director_jobs, director_drafts])
