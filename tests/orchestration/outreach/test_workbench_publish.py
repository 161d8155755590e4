"""The workbench read models published from a real warehouse (dbt build of the collections marts),
and the loop a collector lives: their list of accounts in the portal, an entry recorded there that
changes the account's next action at once, ingested into raw.collector_entries by the next run,
whose lists keep that next action."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
import yaml
from litestar.testing import TestClient

from orchestration.defs.ingest.collector_entries import collector_entries
from orchestration.defs.outreach.workbench import collector_worklists
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.portal_store import open_store
from orchestration.outreach.workbench import TIMELINE_EVENTS_PER_ACCOUNT, read_models
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from portal.app import create_app
from portal.store import account_events, team, worklists
from tests.dbt.collections.collections_warehouse import AS_OF, build_collections, rebuild
from tests.portal.portal_factories import settings_for
from tests.portal.workbench_factories import entry_form, sign_in_staff

CHRIS = "chris.collector@example.com"
LEE = "lee.collector@example.com"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The collections marts built once; a policy whose roster names the data's collectors."""
    home = tmp_path_factory.mktemp("workbench")
    build_collections(home)
    policy = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    policy["team"] = {
        "collectors": [
            {"name": "Chris", "email": CHRIS, "office": "NYC"},
            {"name": "Lee", "email": LEE, "office": "LDN"},
        ],
        "managers": [{"name": "Morgan Reyes", "email": "morgan@example.com", "office": "NYC"}],
    }
    config = home / "policy.yaml"
    config.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return home, config


@pytest.fixture
def resources(warehouse, monkeypatch):
    home, config = warehouse
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", settings_for(home).secret_key)
    return {"ledgerloop": LedgerloopResource(home=str(home), config_path=str(config), as_of=AS_OF)}


def _marts(home, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_publish_puts_each_collectors_list_timelines_and_workload_in_the_store(warehouse, resources):
    home, _ = warehouse
    result = dg.materialize([collector_worklists], resources=resources)
    assert result.success
    metadata = result.asset_materializations_for_node("portal__collector_worklists")[0].metadata
    worklist = _marts(
        home, "select collector, item_key, rank from marts.collector_worklist_items order by collector, rank"
    )
    accounts_listed = _marts(
        home, "select collector, item_key, rank from marts.collector_worklist order by collector, rank"
    )
    assert metadata["collector_items"].value == len(worklist) > 0
    assert metadata["collector_accounts"].value == len(accounts_listed) == 4
    assert metadata["team_members"].value == 3
    assert metadata["collectors_not_on_roster"].value == "unassigned"
    with open_store(home) as store:
        chris = worklists.items_for(store, CHRIS)
        assert [(i.item_key, i.rank) for i in chris] == [(k, r) for c, k, r, *_ in worklist if c == "Chris"]
        assert [(a.item_key, a.rank, a.contact_name) for a in worklists.accounts_for(store, CHRIS)] == [
            ("001A", 1, "Pat Payer")]
        assert {i.collector_office for i in worklists.items_for(store, LEE)} == {"LDN"}
        assert {i.invoice_number for i in chris if i.invoice_key == "NYC:2005"} == {"INV-00002005"}
        state = worklists.workbench_state(store)
        assert (state.as_of_date, state.entries_through) == (dt.date(2026, 11, 23), 0)
        assert [a["reason"] for a in state.policy["next_actions"]][0] == "promise_to_pay_broken"
        accounts = {i.account_id for i in chris if i.account_id}
        assert accounts
        for account_id in accounts:
            [(expected,)] = _marts(
                home,
                "select least(count(*), ?) from marts.account_timeline where account_id = ?",
                [TIMELINE_EVENTS_PER_ACCOUNT, account_id],
            )
            assert len(account_events.timeline(store, account_id)) == expected > 0
        workload = _marts(home, "select collector, currency, open_items from marts.collector_workload")
        assert {(r.collector, r.currency, r.open_items) for r in team.workload(store, None)} == set(workload)
        assert {r.collector for r in team.workload(store, "NYC")} == {"Chris"}


def test_collector_entry_from_the_portal_is_ingested_by_the_next_run(warehouse, resources):
    home, _ = warehouse
    assert dg.materialize([collector_worklists], resources=resources).success
    settings = settings_for(home)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        sign_in_staff(client, settings, "collector", CHRIS)
        page = client.get("/workbench").text
        assert "Acme, Inc." in page and "Beta LLC" not in page
        account = client.get("/workbench/account", params={"account_id": "001A"}).text
        assert "Invoice INV-00002001 issued" in account
        data = entry_form(account, "promise")
        data.update(
            promised_amount="250.00",
            currency="USD",
            invoice_key="NYC:2001",
            promised_date=(dt.date.today() + dt.timedelta(days=7)).isoformat(),
        )
        assert client.post("/workbench/entries", data=data, follow_redirects=False).status_code == 303
    result = dg.materialize([collector_entries], resources=resources)
    assert result.success
    rows = _marts(
        home,
        "select collector, kind, account_id, invoice_key, promised_amount::varchar "
        "from raw.collector_entries where submission_id = ?",
        [data["submission_id"]],
    )
    assert rows == [("Chris", "promise", "001A", "NYC:2001", "250.00")]


def _next_action(client, account_name: str) -> str:
    """The account's next action and due date on the collector's list, as a person reads it."""
    page = client.get("/workbench").text
    card = page[page.index(account_name):]
    return re.sub(r"<[^>]+>", "", re.search(r'<p class="next">(.*?)</p>', card, flags=re.S).group(1))


def test_a_promise_changes_the_next_action_at_once_and_the_next_run_keeps_it(warehouse, resources):
    """Runs last: it rebuilds the module's warehouse for today."""
    home, config = warehouse
    assert dg.materialize([collector_worklists], resources=resources).success
    settings = settings_for(home)
    script_account = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"
    promised = dt.date.today() + dt.timedelta(days=8)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        sign_in_staff(client, settings, "collector", LEE)
        before = _next_action(client, script_account)
        assert before.startswith("Next: Contact the client: nobody has for too long")
        data = entry_form(client.get("/workbench/account", params={"account_id": "001C"}).text, "promise")
        data.update(promised_amount="50.00", currency="USD", promised_date=promised.isoformat())
        assert client.post("/workbench/entries", data=data, follow_redirects=False).status_code == 303
        check_on = promised + dt.timedelta(days=1)
        expected = f"Next: Wait for the promised payment, then check it arrived by {check_on:%a %-d %b}"
        assert _next_action(client, script_account) == expected  # at once, before any run

        # the next run: ingest the entry, build the marts for today, publish
        today = dt.datetime.now(ZoneInfo("America/New_York")).date()
        later = {"ledgerloop": LedgerloopResource(home=str(home), config_path=str(config),
                                                  as_of=today.isoformat())}
        assert dg.materialize([collector_entries], resources=later).success
        rebuild(home, today.isoformat())
        assert dg.materialize([collector_worklists], resources=later).success
        assert _next_action(client, script_account) == expected
        page = client.get("/workbench").text
        assert "Promise logged" not in page  # the run counts it now: nothing left to replay
        assert f"promised USD 50.00 by {promised.day} {promised:%b}" in page


def test_timeline_events_of_an_account_share_one_copy_of_its_repeated_texts():
    """A first publish holds every event at once: 1.34M at 1M invoices."""
    policy = load_policy(REPO_ROOT / "ledgerloop.yaml")
    events = next(model for model in read_models(policy) if model.table.name == "account_events")
    at = dt.datetime(2026, 11, 23, 9)

    def fetched(sequence_number: int) -> tuple:  # each value a fresh object, as DuckDB fetches them
        return ("".join(["001", "A"]), sequence_number, "".join(["Acme, ", "Inc."]), at,
                "".join(["invoice_", "issued"]), "NYC:1", None, None, "".join(["US", "D"]),
                "".join(["sales", "force"]), f"detail {sequence_number}")

    first, second = events.rows([fetched(1), fetched(2)])
    repeated = {"account_id": "001A", "account_name": "Acme, Inc.", "kind": "invoice_issued",
                "currency": "USD", "actor": "salesforce"}
    for name, value in repeated.items():
        assert first[name] == value and first[name] is second[name], name
    assert (first["detail"], second["detail"]) == ("detail 1", "detail 2")
