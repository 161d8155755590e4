"""Customer contacts (`contacts/account_contacts.csv`) into `outreach.account_contacts` before dbt
runs, so the day's worklists show each account's contact from the first run on.

The dunning asset upserts the same file again later in the run (the same rows: nothing changes);
the staff-kept CSV and its columns are described in `orchestration.dunning.contacts`.
"""


import dagster as dg

from orchestration.defs.resources import LedgerloopResource
from orchestration.dunning.contacts import contacts_path, load_contacts
from orchestration.dunning.facts import ensure_schema
from orchestration.storage.sessions import open_session

CONTACTS = "outreach.account_contacts"


@dg.asset(key=["contacts", "account_contacts"], group_name="ingest", kinds={"csv", "duckdb"})
def account_contacts(ledgerloop: LedgerloopResource) -> dg.MaterializeResult:
    """Customer contacts from contacts/account_contacts.csv, upserted for worklists and dunning."""
    settings = ledgerloop.settings
    path = contacts_path(settings.home)
    with open_session(settings.warehouse, reads=[CONTACTS], replaces=[CONTACTS]) as con:
        ensure_schema(con)
        loaded = load_contacts(con, path, ledgerloop.facts.started_at, keep=False)  # before dbt
        (total,) = con.execute(f"select count(*) from {CONTACTS}").fetchall()[0]
    return dg.MaterializeResult(
        metadata={"file": str(path), "file_found": path.exists(), "rows_loaded": loaded, "contacts": total}
    )


defs = dg.Definitions(assets=[account_contacts])
