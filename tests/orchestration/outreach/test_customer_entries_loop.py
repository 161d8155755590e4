"""The customer door's loop on a real warehouse: a contact opens their link, promises to pay one
invoice and disputes another, and promises one amount for two invoices they tick; the next run
ingests each once into raw.collector_entries, the marts show the `promises_to_pay` rows (the set's
covering exactly its invoices) and a `disputes` row with the policy's deadline (entered by the
customer), the account timeline says so, and dunning holds the invoices named and no other. A
GBP payment 3.00 short of its invoice (within the matching tolerance) leaves 3.00 open until the
customer accepts that difference: the next run writes it off with their consent as evidence."""

from __future__ import annotations

import datetime as dt
import functools

import dagster as dg
import duckdb
import pytest
import yaml
from litestar.testing import TestClient

from orchestration.defs.ingest.collector_entries import collector_entries
from orchestration.defs.outreach.customers import customer_accounts
from orchestration.defs.resources import LedgerloopResource
from orchestration.dunning.drafting import plan_day
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from portal.app import create_app
from tests.dbt.collections.collections_warehouse import build_collections, rebuild
from tests.portal.customer_factories import customer_form, sign_in_customer
from tests.portal.portal_factories import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
@functools.cache
def today() -> dt.date:
    """The day the portal dates the entries by its clock (UTC), taken once, when the loop runs
    (not when the module is collected: a suite crossing midnight would split them)."""
    return dt.datetime.now(dt.UTC).date()
PROMISED, DISPUTED = "NYC:2001", "NYC:2002"
PROMISED_TOGETHER = ["NYC:2003", "NYC:2006"]  # 300.00 + 100.00 open
NOT_PROMISED = "NYC:2004"
SHORT_PAID = "LDN:4001"  # GBP 700.00 open; a payment of 697.00 names it
SHORT_PAYMENT = ("pay-short", "GBP", "inv 4001", "697.00")


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    home = tmp_path_factory.mktemp("customer-loop")
    build_collections(home, today().isoformat(), payments=(SHORT_PAYMENT,))
    policy = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    policy["team"] = {"collectors": [{"name": "Chris", "email": "chris@example.com", "office": "NYC"}]}
    config = home / "policy.yaml"
    config.write_text(yaml.safe_dump(policy), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
        patch.setenv("LEDGERLOOP_SECRET_KEY", settings_for(home).secret_key)
        day = today().isoformat()
        resources = {"ledgerloop": LedgerloopResource(home=str(home), config_path=str(config), as_of=day)}
        assert dg.materialize([customer_accounts], resources=resources).success
        before = _held(home, config)
        left_open = _rows(
            home,
            "select balance::varchar, status from marts.ar_ledger where invoice_key = $k",
            {"k": SHORT_PAID},
        )
        assert left_open == [("3.00", "open")]  # the difference waits for the customer
        assert SHORT_PAID in _dunned(home, config)  # and dunning chases it
        submitted = _customer_enters_a_promise_and_a_dispute(home)
        for _ in range(2):  # a second run loads nothing again
            assert dg.materialize([collector_entries], resources=resources).success
        rebuild(home, today().isoformat())
    return home, config, before, submitted


def _customer_enters_a_promise_and_a_dispute(home) -> list[str]:
    settings = settings_for(home)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        sign_in_customer(client, settings, "001A", "ap@acme.example")
        page = client.get("/account").text
        promise = customer_form(page, "promise") | {
            "invoice_key": PROMISED,
            "promised_amount": "600.00",
            "promised_date": (today() + dt.timedelta(days=7)).isoformat(),
        }
        dispute = customer_form(page, "dispute") | {
            "invoice_key": DISPUTED,
            "dispute_reason": "Already paid",
            "details": "Paid by cheque 1042",
        }
        update = customer_form(page, "update") | {
            "update_subject": "billing_contact",
            "details": "ap@new.example",
        }
        for data in (promise, dispute, update):
            assert client.post("/account/entries", data=data, follow_redirects=False).status_code == 303
        together = customer_form(client.get("/account").text, "promise") | {  # a fresh form
            "invoice_key": PROMISED_TOGETHER[::-1],
            "promised_amount": "400.00",
            "promised_date": (today() + dt.timedelta(days=5)).isoformat(),
        }
        assert client.post("/account/entries", data=together, follow_redirects=False).status_code == 303
        accepted = customer_form(client.get("/account").text, "discrepancy") | {"details": "bank charge"}
        assert (accepted["invoice_key"], accepted["accepted_amount"]) == (SHORT_PAID, "3.00")
        assert client.post("/account/entries", data=accepted, follow_redirects=False).status_code == 303
    return [data["submission_id"] for data in (promise, dispute, update, together, accepted)]


def _held(home, config) -> dict[str, set[str]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        plan = plan_day(con, load_policy(config), today(), home)
    held: dict[str, set[str]] = {}
    for h in plan.held:
        held.setdefault(h.invoice_key, set()).add(h.reason)
    return held


def _dunned(home, config) -> set[str]:
    """The open invoices the day's dunning decision looks at."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        plan = plan_day(con, load_policy(config), today(), home)
    return {i.invoice_key for account in plan.accounts for i in account.invoices}


def _rows(home, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_each_customer_entry_reaches_raw_once(loop):
    home, _, _, submitted = loop
    rows = _rows(
        home, "select submission_id, kind, entered_by, collector from raw.collector_entries order by entry_id"
    )
    assert [r[0] for r in rows] == submitted
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("promise", "customer", "Chris"),
        ("dispute", "customer", "Chris"),
        ("note", "customer", "Chris"),
        ("promise", "customer", "Chris"),
        ("discrepancy", "customer", "Chris"),
    ]


def test_the_marts_hold_the_promise_and_the_dispute_with_the_policys_deadline(loop):
    home, _, _, _ = loop
    assert _rows(
        home,
        "select invoice_key, invoice_keys, promised_amount::varchar, status, entered_by "
        "from marts.promises_to_pay order by promise_id",
    ) == [
        (PROMISED, [PROMISED], "600.00", "pending", "customer"),
        (None, PROMISED_TOGETHER, "400.00", "pending", "customer"),
    ]
    [(key, reason, evidence, deadline, status, by)] = _rows(
        home, "select invoice_key, reason, evidence, deadline_on, status, entered_by from marts.disputes"
    )
    assert (key, reason, evidence, status, by) == (
        DISPUTED,
        "Already paid",
        "Paid by cheque 1042",
        "open",
        "customer",
    )
    assert deadline == today() + dt.timedelta(days=30)  # customer_portal.dispute_resolution_days


def test_the_timeline_says_the_customer_did_it(loop):
    home, _, _, _ = loop
    rows = _rows(
        home,
        "select kind, actor, detail from marts.account_timeline "
        "where account_id = '001A' and kind in ('promise_made', 'dispute_opened', 'collector_note') "
        "order by kind, detail",
    )
    assert [(k, a) for k, a, _ in rows] == [
        ("collector_note", "Customer (portal)"),
        ("dispute_opened", "Customer (portal)"),
        ("promise_made", "Customer (portal)"),
        ("promise_made", "Customer (portal)"),
    ]
    assert "billing contact: ap@new.example" in rows[0][2]
    assert "Already paid" in rows[1][2] and "USD 600.00" in rows[2][2] and "USD 400.00" in rows[3][2]
    assert rows[3][2].endswith("for invoices INV-00002003, INV-00002006")


def test_dunning_holds_the_invoices_named_and_no_other(loop):
    home, config, before, _ = loop
    after = _held(home, config)
    for key in (PROMISED, DISPUTED, *PROMISED_TOGETHER):
        assert not any("promise" in r or "dispute" in r for r in before.get(key, set())), before
    assert any("promise" in r for r in after[PROMISED]), after
    assert any("dispute" in r for r in after[DISPUTED]), after
    assert any("promise" in r for r in after["NYC:2006"]), after  # past due, promised with 2003
    assert not any("promise" in r for r in after.get(NOT_PROMISED, set())), after


def test_the_accepted_difference_is_written_off_with_the_customers_consent_as_evidence(loop):
    home, config, _, _ = loop
    assert SHORT_PAID not in _dunned(home, config)  # closed: no reminder chases the 3.00
    assert _rows(
        home,
        "select balance::varchar, written_off_amount::varchar, status from marts.ar_ledger "
        "where invoice_key = $k",
        {"k": SHORT_PAID},
    ) == [("0.00", "3.00", "paid")]
    [(rule, applied, written_off, evidence)] = _rows(
        home,
        "select rule, applied_amount::varchar, written_off_amount::varchar, evidence "
        "from marts.payment_applications where payment_id = 'pay-short'",
    )
    assert (rule, applied, written_off) == ("reference_short_pay", "697.00", "3.00")
    assert "the customer accepted it (ap@acme.example, portal entry 5," in evidence
    [(actor, detail)] = _rows(
        home,
        "select actor, detail from marts.account_timeline where kind = 'discrepancy_accepted'",
    )
    assert actor == "Customer (portal)"
    assert detail.startswith("INV-00004001 · Accepted the GBP 3.00 a short payment left open")
    [(placed,)] = _rows(
        home,
        "select detail from marts.account_timeline "
        "where kind = 'payment_applied' and payment_id = 'pay-short'",
    )
    assert placed.endswith("the 3.00 left open written off with the customer's consent")

