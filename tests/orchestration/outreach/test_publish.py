"""Publishing director jobs to the portal store: readers see the old set or the new, never half."""

import threading

import dagster as dg
import pytest

from orchestration.defs.outreach.director import director_jobs
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.portal_store import open_store
from portal.store import director_jobs as jobs_model
from tests.orchestration.outreach.ledger_fixture import build_warehouse, invoice


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    return tmp_path


def publish(home, invoices) -> dg.ExecuteInProcessResult:
    build_warehouse(home / "warehouse.duckdb", invoices)
    return dg.materialize([director_jobs], resources={"ledgerloop": LedgerloopResource(home=str(home))},
                          raise_on_error=False)


def dana_keys(home) -> list[str]:
    with open_store(home) as store:
        return sorted(j.invoice_key for j in jobs_model.for_director(store, "dana@example.com"))


def test_publish_replaces_the_jobs_and_the_status_choices(home):
    assert publish(home, [invoice("1"), invoice("2")]).success
    result = publish(home, [invoice("3"), invoice("4", director_email=None)])
    assert result.success
    assert dana_keys(home) == ["NYC:3"]
    metadata = result.asset_materializations_for_node("portal__director_jobs")[0].metadata
    assert metadata["jobs_published"].value == 1
    assert metadata["jobs_without_director_email"].value == 1
    with open_store(home) as store:
        assert jobs_model.status_choices(store)[0] == "Payment is on its way"


def test_publish_that_fails_midway_leaves_the_previous_jobs(home):
    assert publish(home, [invoice("1"), invoice("2")]).success
    # The store refuses a job without an aging bucket; the rows before it must not stay.
    failed = publish(home, [invoice("3"), invoice("4", aging_bucket=None)])
    assert not failed.success
    assert dana_keys(home) == ["NYC:1", "NYC:2"]


def test_publish_readers_never_see_half_a_set(home):
    old = [invoice(str(n)) for n in range(0, 300)]
    new = [invoice(str(n)) for n in range(300, 500)]
    assert publish(home, old).success
    seen: set[int] = set()
    reads = []
    stop = threading.Event()

    def read():
        with open_store(home) as store:
            while not stop.is_set():
                seen.add(len(jobs_model.for_director(store, "dana@example.com")))
                reads.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for invoices in (new, old, new):
            assert publish(home, invoices).success
    finally:
        stop.set()
        reader.join()
    assert seen <= {300, 200}, f"a reader saw {sorted(seen)} jobs: half a publish"
    assert len(reads) > 10  # the reader really ran during the publishes


def test_publish_carries_each_clients_contact_from_the_contacts_file_and_the_pages_policy(home):
    """The contacts file as staff keep it (read again at each publish, so a page is never a run
    behind), overlaid on the contacts the warehouse already holds."""
    (home / "contacts").mkdir()
    (home / "contacts" / "account_contacts.csv").write_text(
        "Account ID,Contact Name,Email,Phone,Address,Customer Type\n"
        "001A,Isla Carter,ap@acme.example,+1 212 555 8250,Accounts Payable|1 Main St,smb\n",
        encoding="utf-8",
    )
    result = publish(home, [invoice("1"), invoice("2", account_id="001B", account_name="Bolt LLC"),
                            invoice("3", account_id=None, account_name="Tracker Only Ltd")])
    assert result.success
    with open_store(home) as store:
        jobs = {j.invoice_key: j for j in jobs_model.for_director(store, "dana@example.com")}
        policy = jobs_model.published_policy(store)
    assert (jobs["NYC:1"].account_id, jobs["NYC:1"].contact_name, jobs["NYC:1"].contact_email,
            jobs["NYC:1"].contact_phone) == ("001A", "Isla Carter", "ap@acme.example", "+1 212 555 8250")
    assert jobs["NYC:2"].contact_name is None and jobs["NYC:3"].account_id is None
    assert policy == {"time_zone": "America/New_York", "answer_stands_days": "14"}
    metadata = result.asset_materializations_for_node("portal__director_jobs")[0].metadata
    assert metadata["jobs_with_a_client_contact"].value == 1
