"""Customer statements: each account's aging statement, monthly."""

import time

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.dunning.contacts import current_contacts
from orchestration.dunning.customer_links import customer_links
from orchestration.outreach.portal_store import customer_portal_settings, open_store
from orchestration.outreach.statements import (
    INDEX_FILE,
    OPEN_WITHOUT_ACCOUNT_QUERY,
    STATEMENT_READS,
    check_statements_policy,
    export_statements,
    month_done,
    read_statements,
    with_customer_links,
)
from orchestration.storage.sessions import open_session

LEDGER = dg.AssetKey(["marts", "ar_ledger"])
CUSTOMERS = dg.AssetKey(["portal", "customer_accounts"])  # the contacts whose link opens

class StatementsConfig(dg.Config):
    """Launch with `force: true` to write this month's statements again (or on another day)."""

    force: bool = False


@dg.asset(
    key=["exports", "statements"], deps=[LEDGER, CUSTOMERS], group_name="outreach", kinds={"html", "pdf"}
)
def statements(config: StatementsConfig, ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Each account's aging statement (HTML and PDF) in exports/statements/<date>/, monthly."""
    policy = ledgerloop.policy()
    check_statements_policy(policy)
    as_of = ledgerloop.facts.as_of
    exports_dir = ledgerloop.settings.exports_dir
    done = month_done(exports_dir, as_of)
    if done is not None and not config.force:
        return dg.MaterializeResult(
            metadata={
                "skipped": f"this month's statements are in {done}; force: true writes them again",
                "folder": str(done),
                "accounts": 0,
                "files": 0,
            }
        )
    with open_session(ledgerloop.settings.warehouse, reads=STATEMENT_READS, read_only=True) as con:
        read_started = time.perf_counter()
        account_statements = read_statements(con, policy, as_of)
        (without_account,) = con.execute(OPEN_WITHOUT_ACCOUNT_QUERY).fetchone()
        contacts = current_contacts(con, ledgerloop.settings.home)
        read_seconds = time.perf_counter() - read_started
    door = customer_portal_settings(ledgerloop.settings.home)
    if door is not None:
        with open_store(ledgerloop.settings.home) as store:
            links = customer_links(door, store)
            account_statements = with_customer_links(account_statements, contacts, links)
    exported = export_statements(
        account_statements,
        exports_dir,
        as_of,
        pdf_for_all=policy.statements.monthly_pdf == "all",
        workers=policy.statements.workers,
    )
    return dg.MaterializeResult(
        metadata={
            "accounts": exported.accounts,
            "files": exported.html_files + exported.pdf_files,
            "html_files": exported.html_files,
            "pdf_files": exported.pdf_files,
            "folder": str(exported.folder),
            "index": str(exported.folder / INDEX_FILE),
            "open_invoices_without_account_id": int(without_account),
            "read_seconds": round(read_seconds, 2),
            "render_seconds": round(exported.seconds, 2),
        }
    )


defs = dg.Definitions(assets=[statements])
