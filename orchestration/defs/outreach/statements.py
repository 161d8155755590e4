"""Customer statements: each account's aging statement, monthly."""

import time

import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.statements import (
    INDEX_FILE,
    OPEN_WITHOUT_ACCOUNT_QUERY,
    check_statements_policy,
    export_statements,
    month_done,
    read_statements,
)
from orchestration.storage.warehouse import connect

LEDGER = dg.AssetKey(["marts", "ar_ledger"])

class StatementsConfig(dg.Config):
    """Launch with `force: true` to write this month's statements again (or on another day)."""

    force: bool = False


@dg.asset(key=["exports", "statements"], deps=[LEDGER], group_name="outreach", kinds={"html", "pdf"})
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
    with connect(ledgerloop.settings.warehouse_path, read_only=True) as con:
        read_started = time.perf_counter()
        account_statements = read_statements(con, policy, as_of)
        (without_account,) = con.execute(OPEN_WITHOUT_ACCOUNT_QUERY).fetchone()
        read_seconds = time.perf_counter() - read_started
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
