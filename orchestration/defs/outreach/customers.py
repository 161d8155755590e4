"""The customer door's read models, published to the portal store after each build."""

import dagster as dg

from orchestration.cash.decisions import append_decision, decisions_path, read_decisions
from orchestration.cash.remittances import REMITTANCE_READS, decided_by
from orchestration.cash.remittances import remittance_decisions as remittance_decisions_for
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.customers import contacts_of, customer_read_models
from orchestration.outreach.fingerprints import plan_all
from orchestration.outreach.portal_store import open_store
from orchestration.storage.sessions import open_session
from portal.store import customers

LEDGER = dg.AssetKey(["marts", "ar_ledger"])
PAYMENT_HISTORY = dg.AssetKey(["intermediate", "int_invoice_payment_history"])
APPLIED = [dg.AssetKey(["marts", "payments"]), dg.AssetKey(["marts", "payment_applications"])]
PAYMENTS = [*APPLIED, dg.AssetKey(["marts", "reconciliation_exceptions"])]


@dg.asset(
    key=["portal", "customer_accounts"],
    deps=[LEDGER, PAYMENT_HISTORY, *APPLIED],  # what short payments left open
    group_name="outreach",
    kinds={"sqlite"},
)
def customer_accounts(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Each customer contact's account (invoices, paid history, statement), published to the portal store."""
    policy = ledgerloop.policy()
    with open_store(ledgerloop.settings.home) as store:
        with open_session(ledgerloop.settings.warehouse, read_only=True, reads=[
                "marts.ar_ledger", "marts.payments", "marts.payment_applications",
                "intermediate.int_invoice_payment_history", "outreach.account_contacts"]) as con:
            accounts, invoices, contacts = customer_read_models(
                con, policy, ledgerloop.settings.home, ledgerloop.facts.as_of)
            planned = accounts_plan, _ = plan_all(con, store, [accounts, invoices])
        published = [account_id for (account_id,) in accounts_plan.current_keys()]
        counts = customers.publish_planned(store, contacts_of(contacts, published), planned)
    return dg.MaterializeResult(metadata={**counts, "rows_written": sum(p.written for p in planned)})


@dg.asset(
    key=["cash", "remittance_decisions"], deps=[LEDGER, *PAYMENTS], group_name="outreach", kinds={"json"}
)
def remittance_decisions(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Customer remittance advices whose payment has come, as cash decisions the next run applies."""
    home = ledgerloop.settings.home
    path = decisions_path(home)
    with open_store(home) as store:
        advices = customers.remittances(store)
    already = {d.decided_by for d in read_decisions(path)}
    with open_session(ledgerloop.settings.warehouse, read_only=True, reads=REMITTANCE_READS) as con:
        decisions = remittance_decisions_for(con, advices, already, ledgerloop.facts.started_at)
    for decision in decisions:
        append_decision(path, decision)
    waiting = sum(1 for a in advices if decided_by(a) not in already) - len(decisions)
    return dg.MaterializeResult(
        metadata={"advices": len(advices), "decisions": len(decisions), "waiting": waiting}
    )


defs = dg.Definitions(assets=[customer_accounts, remittance_decisions])
