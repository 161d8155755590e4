"""The customer contacts file loaded before dbt runs, so the first run's worklists show contacts."""

import dagster as dg
import duckdb

from orchestration.defs.ingest.contacts import account_contacts
from orchestration.defs.resources import LedgerloopResource
from orchestration.dunning.contacts import contacts_path

CONTACTS = (
    "Account ID,Contact Name,Email,Phone,Address,Time Zone,Customer Type\n"
    "001A,Pat Payer,ap@acme.example,+1 212 555 0101,1 Main St|Suite 2,,smb\n"
    "001B,,billing@beta.example,,,,\n"
)


def load(home):
    return dg.materialize([account_contacts], resources={"ledgerloop": LedgerloopResource(home=str(home))})


def test_contacts_asset_loads_the_staff_kept_file_into_the_warehouse(tmp_path):
    path = contacts_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(CONTACTS, encoding="utf-8")
    result = load(tmp_path)
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert (metadata["rows_loaded"].value, metadata["contacts"].value) == (2, 2)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select account_id, contact_name, email, phone, address_lines from outreach.account_contacts "
            "order by account_id"
        ).fetchall()
    assert rows == [
        ("001A", "Pat Payer", "ap@acme.example", "+1 212 555 0101", "1 Main St\nSuite 2"),
        ("001B", None, "billing@beta.example", None, None),
    ]


def test_contacts_asset_without_a_file_loads_nothing_and_says_so(tmp_path):
    metadata = load(tmp_path).get_asset_materialization_events()[0].materialization.metadata
    found = (metadata["file_found"].value, metadata["rows_loaded"].value, metadata["contacts"].value)
    assert found == (False, 0, 0)
