"""`dbt build` of the collections marts on a small export: the worklist ranks accounts (their
invoices under them) with the contact and drivers in words, invoice numbers as the office writes
them, the account timeline and the workload with coverage gaps and reassignment hints."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from orchestration.outreach.worklists import export_worklists, read_worklists
from orchestration.storage.warehouse import connect
from tests.dbt.collections.collections_warehouse import AS_OF, SCRIPT_ACCOUNT, build_collections

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    home = tmp_path_factory.mktemp("collections")
    build_collections(home)
    return home


def query(home, sql):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def accounts(home) -> dict[str, dict]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        cursor = con.execute("select * from marts.collector_worklist")
        names = [d[0] for d in cursor.description]
        return {row[names.index("item_key")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_worklist_ranks_accounts_once_per_collector_with_their_invoices_under_them(warehouse):
    ranks = query(warehouse, "select collector, list(item_key order by rank) from marts.collector_worklist "
                             "group by collector order by collector")
    assert ranks == [("Chris", ["001A"]), ("Lee", ["001B", "001C"]), ("unassigned", ["001D"])]
    acme = accounts(warehouse)["001A"]
    assert (acme["open_invoices"], acme["past_due_invoices"], acme["open_balances"]) == (
        7, 6, "USD 1,700.00 and GBP 700.00")
    under = query(warehouse, "select item_key from marts.collector_worklist_items where account_id = '001A' "
                             "order by item_key")
    assert [k for (k,) in under] == [
        "LDN:4001", "NYC:2001", "NYC:2002", "NYC:2003", "NYC:2004", "NYC:2005", "NYC:2006", "payment:pay-gbp"]


def test_worklist_puts_a_broken_director_promise_first_with_its_driver_in_words(warehouse):
    lee = accounts(warehouse)["001B"]
    assert (lee["rank"], lee["reason"], str(lee["due_by"])) == (1, "broken_promise", "2026-11-23")
    assert lee["next_action"] == "Call the client: the promised payment did not come"
    drivers = {d["driver"]: d for d in json.loads(lee["drivers"], parse_float=Decimal)}
    assert drivers["broken_promise"] == {
        "driver": "broken_promise",
        "label": "INV-00003001: director expected payment by 15 Nov, USD 0.00 paid since",
        "points": Decimal("60.00"),
    }
    assert drivers["balance"]["label"] == "USD 200.00 open in 1 invoice"
    assert drivers["aging_bucket"]["label"] == "1 invoice 1–30 days, USD 200.00"
    assert drivers["days_past_due"]["label"] == "oldest invoice 23 days past due"


def test_worklist_driver_points_sum_to_every_score(warehouse):
    for mart in ("collector_worklist", "collector_worklist_items"):
        rows = query(warehouse, f"select item_key, priority_score, drivers from marts.{mart}")
        assert rows
        for key, score, drivers in rows:
            points = json.loads(drivers, parse_float=Decimal)
            assert sum((d["points"] for d in points), Decimal(0)) == score, (mart, key)


def test_worklist_shows_the_accounts_contact_from_the_contacts_file(warehouse):
    listed = accounts(warehouse)
    acme = listed["001A"]
    assert (acme["contact_name"], acme["contact_email"], acme["contact_phone"]) == (
        "Pat Payer", "ap@acme.example", "+1 212 555 0101")
    assert (listed["001B"]["contact_name"], listed["001B"]["contact_phone"]) == (None, None)


def test_worklist_lists_a_queued_payment_under_the_account_of_its_candidates(warehouse):
    rows = query(warehouse, "select collector, item_key, account_id, reason, balance, currency, payment_text "
                            "from marts.collector_worklist_items where payment_id is not null")
    assert rows == [("Chris", "payment:pay-gbp", "001A", "unmatched_payment", Decimal("400.00"), "GBP",
                     "payment of GBP 400.00 from ACME INC waiting 2 days to be placed")]
    acme = accounts(warehouse)["001A"]
    assert acme["reason"] == "unmatched_payment"  # before "untouched" in the policy's order
    labels = {d["driver"]: d["label"] for d in json.loads(acme["drivers"])}
    assert labels["queued_payment"] == "payment of GBP 400.00 from ACME INC waiting 2 days to be placed"
    assert labels["no_contact"] == "no contact logged since the oldest open invoice (145 days)"


def test_invoice_numbers_read_as_the_office_writes_them_whatever_the_source_spelled(warehouse):
    ledger = dict(query(warehouse, "select invoice_number, display_number from marts.ar_ledger"))
    assert ledger["inv 0002005"] == "INV-00002005" and ledger["2001"] == "INV-00002001"
    assert ledger["4001"] == "INV-00004001"  # London writes them the same way (ledgerloop.yaml)
    items = dict(query(warehouse, "select invoice_key, display_number from marts.collector_worklist_items"))
    assert items["NYC:2005"] == "INV-00002005"
    words = " ".join(
        text
        for (text,) in query(warehouse, "select detail from marts.account_timeline where account_id = '001A'")
    )
    assert "INV-00002005" in words and "inv 0002005" not in words


def test_drivers_and_notes_are_words_with_numbers_never_codes_or_log_odds(warehouse):
    for account in accounts(warehouse).values():
        labels = [d["label"] for d in json.loads(account["drivers"])]
        texts = [*labels, account["notes"] or "", account["next_action"]]
        for text in texts:
            assert not SNAKE_CASE.search(text), text
            assert "log-odds" not in text and " f_" not in text, text
        assert all(re.search(r"\d", d["label"]) for d in json.loads(account["drivers"])), account["drivers"]


def test_an_accounts_drivers_agree_with_the_invoices_under_it(warehouse):
    with connect(warehouse / "warehouse.duckdb", read_only=True) as con:
        facts = con.execute(
            "select account_id, max(days_past_due), count(*) from marts.collector_worklist_items "
            "where invoice_key is not null group by account_id"
        ).fetchall()
    listed = accounts(warehouse)
    for account_id, oldest, invoices in facts:
        account = listed[account_id]
        labels = {d["driver"]: d["label"] for d in json.loads(account["drivers"])}
        assert account["days_past_due"] == oldest and account["open_invoices"] == invoices
        if oldest > 0:
            assert labels["days_past_due"] == f"oldest invoice {oldest} days past due"
        assert labels["balance"].endswith(f"open in {invoices} invoice{'s' if invoices > 1 else ''}")
        assert "lowers" not in labels.get("payment_risk", "")


def test_timeline_orders_an_accounts_events_without_first_run_noise_or_future_dates(warehouse):
    acme = query(warehouse, "select kind, invoice_key, payment_id, amount, detail, actor "
                            "from marts.account_timeline where account_id = '001A' "
                            "and invoice_key = 'NYC:2001' order by sequence_number")
    # the stage the run first saw the invoice with is not a change: no stage_changed on the first run
    assert [r[0] for r in acme] == ["invoice_issued", "invoice_due", "payment_applied"]
    assert acme[2][2:] == (
        "pay-1",
        Decimal("400.00"),
        "INV-00002001 · Payment from ACME INC placed: part payment, matched by its reference",
        "cash application",
    )
    assert acme[0][4:] == ("Invoice INV-00002001 issued", "Salesforce")
    # NYC:2003 falls due on 12/15, after the as-of date: not an event yet
    assert query(warehouse, "select count(*) from marts.account_timeline where invoice_key = 'NYC:2003' "
                            "and kind = 'invoice_due'") == [(0,)]
    beta = query(warehouse, "select kind, actor, detail from marts.account_timeline "
                            "where account_id = '001B' and kind = 'director_answer'")
    assert beta == [("director_answer", "dana@example.com",
                     "INV-00003001 · Director's answer: Payment is on its way; expects payment by 15 Nov; "
                     "note: client confirmed")]


def test_workload_counts_load_activity_gaps_and_hints(warehouse):
    rows = query(warehouse, "select collector, currency, open_items, open_balance, applications_last_7_days, "
                            "updates_last_30_days, coverage_gap_accounts, reassignment_hint "
                            "from marts.collector_workload order by collector, currency")
    assert rows == [
        ("Chris", "GBP", 1, Decimal("700.00"), 0, 0, 1,
         "Holds 7 open items against a team mean of 4.5: move about 2 to Lee"),
        ("Chris", "USD", 6, Decimal("1700.00"), 1, 0, 1,  # 2001 was paid into on 11/20: not a contact
         "Holds 7 open items against a team mean of 4.5: move about 2 to Lee"),
        ("Lee", "USD", 2, Decimal("250.00"), 0, 1, 1,  # below 4.5 / 1.5: load is not even
         "Holds 2 open items against a team mean of 4.5: can take about 2 more"),
        ("unassigned", "USD", 1, Decimal("80.00"), 0, 0, 1, "Assign these 1 open items to a collector"),
    ]


def test_exports_read_the_built_worklist_and_escape_account_names(warehouse):
    with connect(warehouse / "warehouse.duckdb", read_only=True) as con:
        lists = read_worklists(con)
    exported = export_worklists(lists, warehouse / "exports", dt.date.fromisoformat(AS_OF), page_items=50,
                                record=warehouse / "state" / "worklist_files.json")
    assert exported.rows == 4 and sorted(exported.files_by_collector) == ["Chris", "Lee", "unassigned"]
    page = (exported.folder / "Lee.html").read_text(encoding="utf-8")
    assert SCRIPT_ACCOUNT not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "INV-00003001: director expected payment by 15 Nov, USD 0.00 paid since" in page
    chris = (exported.folder / "Chris.html").read_text(encoding="utf-8")
    assert "Pat Payer" in chris and 'href="tel:+12125550101"' in chris and "mailto:ap@acme.example" in chris
    invoices = (exported.folder / "Chris-invoices.csv").read_text(encoding="utf-8")
    # the source's spelling beside it (to find it in Salesforce), only on the invoices sheet
    assert "INV-00002005,inv 0002005," in invoices and "inv 0002005" not in chris
