"""The customer door's read models, published to the portal store after each build."""

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.customers import customer_models
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import customers

LEDGER = dg.AssetKey(["marts", "ar_ledger"])
PAYMENT_HISTORY = dg.AssetKey(["intermediate", "int_invoice_payment_history"])


@dg.asset(
    key=["portal", "customer_accounts"],
    deps=[LEDGER, PAYMENT_HISTORY],
    group_name="outreach",
    kinds={"sqlite"},
)
def customer_accounts(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Each customer contact's account (invoices, paid history, statement), published to the portal store."""
    policy = ledgerloop.policy()
    with connect(ledgerloop.settings.warehouse_path, read_only=True) as con:
        accounts, contacts, invoices = customer_models(
            con, policy, ledgerloop.settings.home, ledgerloop.facts.as_of
        )
    with open_store(ledgerloop.settings.home) as store:
        counts = customers.publish(store, accounts, contacts, invoices)
    return dg.MaterializeResult(metadata=counts)


defs = dg.Definitions(assets=[customer_accounts])
