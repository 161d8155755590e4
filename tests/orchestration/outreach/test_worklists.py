"""Worklist exports: per collector in exports/worklists/<date>/, their ranked accounts as CSV, the
invoices under them as a second CSV, both as sheets of one XLSX, and a phone page; headers and
cells in words, invoice numbers as the office writes them, the contact on every account."""

import csv
import datetime as dt
import json
import re
import zipfile

import dagster as dg
import pytest
import yaml
from pydantic import ValidationError

from orchestration.defs.outreach.worklists import defs, worklists
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach import worklists as worklist_export
from orchestration.outreach.worklist_files import csv_cell, describe_drivers
from orchestration.outreach.worklists import export_worklists, file_stems, read_worklists, render_html
from orchestration.policy import PolicyError, load_policy
from orchestration.policy.worklist import NextAction, Worklist
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect

AS_OF = "2026-11-23"
DRIVERS = ('[{"points":25.00,"driver":"aging_bucket","label":"3 invoices 61–90 days, USD 28,974.39"},'
           '{"points":10.50,"driver":"no_contact","label":"no contact for 21 days"}]')

# The columns of the two marts the export reads (dbt builds them; see tests/dbt/collections).
MARTS_DDL = """
create schema if not exists marts;
create or replace table marts.collector_worklist (
    collector varchar, rank bigint, item_key varchar, account_id varchar, account_name varchar,
    payment_id varchar, contact_name varchar, contact_email varchar, contact_phone varchar,
    open_invoices bigint, currency varchar, balance decimal(18, 2), open_balances varchar, due_date date,
    days_past_due integer, next_action varchar, due_by date, priority_score decimal(18, 2), drivers json,
    notes varchar
);
create or replace table marts.collector_worklist_items (
    collector varchar, item_key varchar, account_id varchar, invoice_key varchar, payment_id varchar,
    display_number varchar, invoice_number varchar, currency varchar, balance decimal(18, 2), due_date date,
    days_past_due integer, next_action varchar, due_by date, promise_text varchar, dispute_text varchar,
    plan_text varchar, director_text varchar, payment_text varchar
)
"""


def account(collector, rank, account_id, name="Acme, Inc.", contact="Pat Payer", notes=None):
    return {"collector": collector, "rank": rank, "account": account_id, "name": name, "contact": contact,
            "notes": notes}


def build(home, accounts):
    with connect(home / "warehouse.duckdb") as con:
        for statement in MARTS_DDL.split(";"):
            if statement.strip():
                con.execute(statement)
        for values in accounts:
            con.execute(
                "insert into marts.collector_worklist by name select $collector as collector, $rank as rank, "
                "$account as item_key, $account as account_id, $name as account_name, "
                "$contact as contact_name, 'ap@acme.example' as contact_email, "
                "'+1 (212) 555-0101' as contact_phone, 2 as open_invoices, 'USD' as currency, "
                "28974.39 as balance, 'USD 28,974.39' as open_balances, 62 as days_past_due, "
                "'Send a reminder or call the client' as next_action, date '2026-11-26' as due_by, "
                "35.50 as priority_score, $drivers as drivers, $notes as notes",
                {**values, "drivers": DRIVERS},
            )
            for n, spelled in ((1, "inv 000{rank}1"), (2, "INV-0000000{rank}2")):
                number = f"{values['rank']}{n}"
                con.execute(
                    "insert into marts.collector_worklist_items by name select $collector as collector, "
                    "$key as item_key, $account as account_id, $key as invoice_key, "
                    "$display as display_number, "
                    "$spelled as invoice_number, 'USD' as currency, 14487.20 as balance, "
                    "date '2026-09-22' as due_date, 62 - $n as days_past_due, "
                    "'Send a reminder or call the client' as next_action, date '2026-11-26' as due_by, "
                    "$promise as promise_text",
                    {"collector": values["collector"], "key": f"NYC:{values['account']}-{number}",
                     "account": values["account"], "display": f"INV-000000{number}",
                     "spelled": spelled.format(rank=values["rank"]), "n": n,
                     "promise": "promised USD 500.00 by 10 Dec" if n == 1 else None},
                )


def export(home):
    resource = LedgerloopResource(home=str(home), as_of=AS_OF)
    return dg.materialize([worklists], resources={"ledgerloop": resource})


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    build(tmp_path, [
        account("Chris", 1, "001A"), account("Chris", 2, "001S", "<script>alert(1)</script>", contact=None),
        account("Lee O'Neil", 1, "001B", notes="INV-00000011: disputed, to settle by 10 Dec: =cmd()"),
    ])
    return tmp_path


def test_worklists_write_accounts_invoices_xlsx_and_html_per_collector(home):
    result = export(home)
    assert result.success
    folder = home / "exports" / "worklists" / AS_OF
    assert sorted(p.name for p in folder.iterdir()) == [
        "Chris-invoices.csv", "Chris.csv", "Chris.html", "Chris.xlsx",
        "Lee_O_Neil-invoices.csv", "Lee_O_Neil.csv", "Lee_O_Neil.html", "Lee_O_Neil.xlsx"]
    with (folder / "Chris.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns = ("Rank", "Account", "Contact", "Phone", "Email", "Balance", "Due by")
    assert [tuple(r[c] for c in columns) for r in rows] == [
        ("1", "Acme, Inc.", "Pat Payer", "+1 (212) 555-0101", "ap@acme.example", "28974.39", "2026-11-26"),
        ("2", "<script>alert(1)</script>", "", "+1 (212) 555-0101", "ap@acme.example", "28974.39",
         "2026-11-26"),
    ]
    assert rows[0]["Invoices"] == "INV-00000011, INV-00000012"
    assert rows[0]["Why it ranks here (points)"] == (
        "3 invoices 61–90 days, USD 28,974.39 (+25.00); no contact for 21 days (+10.50)")
    with (folder / "Chris-invoices.csv").open(encoding="utf-8") as f:
        invoices = list(csv.DictReader(f))
    columns = ("Account rank", "Invoice", "Spelled in the source", "Promise")
    assert [tuple(r[c] for c in columns) for r in invoices][:2] == [
        ("1", "INV-00000011", "inv 00011", "promised USD 500.00 by 10 Dec"),
        ("1", "INV-00000012", "INV-000000012", ""),
    ]
    (materialization,) = result.get_asset_materialization_events()
    metadata = materialization.materialization.metadata
    assert (metadata["accounts"].value, metadata["collectors"].value) == (3, 2)


def test_worklists_xlsx_has_an_accounts_and_an_invoices_sheet_in_words(home):
    export(home)
    with zipfile.ZipFile(home / "exports" / "worklists" / AS_OF / "Lee_O_Neil.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode()
        accounts = book.read("xl/worksheets/sheet1.xml").decode()  # inline strings (constant_memory)
        invoices = book.read("xl/worksheets/sheet2.xml").decode()
    assert 'name="Accounts"' in workbook and 'name="Invoices"' in workbook
    assert "Pat Payer" in accounts and "Send a reminder or call the client" in accounts
    assert "INV-00000011" in invoices and "Spelled in the source" in invoices
    headers = re.findall(r"<t[^>]*>([^<]*)</t>", accounts)[:17]
    assert headers[:3] == ["Rank", "Account", "Account ID"] and not any("_" in h for h in headers)


def test_worklists_phone_page_shows_the_contact_and_escapes_what_the_sources_wrote(home):
    export(home)
    page = (home / "exports" / "worklists" / AS_OF / "Chris.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'name="viewport"' in page
    assert 'href="tel:+12125550101"' in page and 'href="mailto:ap@acme.example"' in page
    assert "3 invoices 61–90 days, USD 28,974.39" in page and "+25.00" in page
    assert "INV-00000011: USD 14,487.20, 61 days past due; promised USD 500.00 by 10 Dec" in page
    assert "No contact on file" in page  # the second account has none
    assert page.index("#1 Acme, Inc.") < page.index("#2 &lt;script&gt;")
    assert "inv 00011" not in page  # the source's spelling is for the spreadsheet, not the phone


def test_worklists_page_shows_a_payment_no_single_account_owns_as_a_payment(home):
    with connect(home / "warehouse.duckdb") as con:
        con.execute("insert into marts.collector_worklist (collector, rank, item_key, payment_id, "
                    "open_invoices, next_action, due_by, priority_score, drivers) values ('Chris', 3, "
                    "'payment:p9', 'p9', 0, 'Tell cash application', date '2026-11-24', 13.00, '[]')")
        con.execute("insert into marts.collector_worklist_items (collector, item_key, payment_id, currency, "
                    "balance, payment_text) values ('Chris', 'payment:p9', 'p9', 'GBP', 400.00, "
                    "'payment of GBP 400.00 from ACME INC waiting 3 days to be placed')")
    export(home)
    page = (home / "exports" / "worklists" / AS_OF / "Chris.html").read_text(encoding="utf-8")
    assert "#3 Payment to place" in page
    assert "payment of GBP 400.00 from ACME INC waiting 3 days to be placed" in page
    assert "Invoice None" not in page and "None" not in page


def test_worklists_page_shows_the_first_accounts_and_says_where_the_rest_are(home):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        chris = read_worklists(con)["Chris"]
    page = render_html("Chris", chris, dt.date(2026, 11, 23), page_items=1)
    assert "Chris: 2 accounts to work" in page and "the first 1 here,\nall of them in the spreadsheet" in page
    assert "#1 Acme" in page and "#2 " not in page


def test_worklists_rerun_replaces_the_days_folder(home):
    export(home)
    build(home, [account("Chris", 1, "001A")])
    export(home)
    folder = home / "exports" / "worklists" / AS_OF
    assert sorted(p.name for p in folder.iterdir()) == [
        "Chris-invoices.csv", "Chris.csv", "Chris.html", "Chris.xlsx"]
    assert [p.name for p in folder.parent.iterdir()] == [AS_OF]


def files(home) -> dict[str, int]:
    """The day's worklist files by name, with their inode (the same inode: the file was kept)."""
    return {p.name: p.stat().st_ino for p in (home / "exports" / "worklists" / AS_OF).iterdir()}


def test_a_rerun_keeps_the_files_of_a_list_that_did_not_change_and_writes_the_others(home):
    export(home)
    before = files(home)
    build(home, [account("Chris", 1, "001A"), account("Chris", 2, "001S", "<script>alert(1)</script>",
                                                     contact=None),
                 account("Lee O'Neil", 1, "001B", notes="now settled")])
    result = export(home)
    after = files(home)
    kept = {name for name in after if after[name] == before.get(name)}
    assert kept == {"Chris.csv", "Chris-invoices.csv", "Chris.xlsx", "Chris.html"}
    assert "now settled" in (home / "exports" / "worklists" / AS_OF / "Lee_O_Neil.csv").read_text()
    metadata = result.asset_materializations_for_node("exports__worklists")[0].metadata
    assert metadata["collectors_unchanged"].value == 1


def test_a_file_changed_since_the_last_export_is_written_again(home):
    export(home)
    page = home / "exports" / "worklists" / AS_OF / "Chris.html"
    page.write_text("edited")
    export(home)
    assert "Chris: 2 accounts to work" in page.read_text()


def test_another_day_writes_every_file(home):
    export(home)
    record = home / "state" / "worklist_files.json"
    kept = json.loads(record.read_text())
    record.write_text(json.dumps({**kept, "folder": kept["folder"].replace(AS_OF, "2026-11-22")}))
    before = files(home)
    export(home)
    assert not set(files(home).values()) & set(before.values())


def _contents(folder) -> dict[str, bytes]:
    """Each file's bytes; an XLSX's parts but its creation time."""
    found = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                found.update({f"{path.name}/{part}": book.read(part) for part in book.namelist()
                              if part != "docProps/core.xml"})
        else:
            found[path.name] = path.read_bytes()
    return found


def test_lists_written_in_worker_processes_are_the_files_written_here(home, tmp_path, monkeypatch):
    pools = []

    class CountedPool(worklist_export.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(worklist_export, "ProcessPoolExecutor", CountedPool)
    monkeypatch.setattr(worklist_export, "SHARED_FROM_ROWS", 1)  # three accounts are "long" here
    with connect(home / "warehouse.duckdb") as con:
        lists = read_worklists(con)
    day = dt.date.fromisoformat(AS_OF)
    here = export_worklists(lists, tmp_path / "here", day, 50, tmp_path / "here.json", workers=1)
    assert pools == []
    shared = export_worklists(lists, tmp_path / "shared", day, 50, tmp_path / "shared.json", workers=2)
    assert pools == [2]
    assert len(_contents(shared.folder)) > 8 and _contents(shared.folder) == _contents(here.folder)


def test_file_stems_are_safe_and_unique():
    assert file_stems(["Lee O'Neil", "Lee/O'Neil", "../..", "Chris"]) == {
        "../..": "collector", "Chris": "Chris", "Lee O'Neil": "Lee_O_Neil", "Lee/O'Neil": "Lee_O_Neil-2"}


def test_describe_drivers_says_each_in_words_with_its_points_largest_first():
    assert describe_drivers(DRIVERS) == (
        "3 invoices 61–90 days, USD 28,974.39 (+25.00); no contact for 21 days (+10.50)")
    assert describe_drivers("[]") == "nothing scores"


def test_worklists_definitions_load():
    dg.Definitions.validate_loadable(
        dg.Definitions.merge(defs, dg.Definitions(resources={"ledgerloop": LedgerloopResource()})))


def test_worklists_asset_follows_both_worklist_marts():
    spec = next(iter(worklists.specs))
    assert spec.key == dg.AssetKey(["exports", "worklists"])
    marts = {dg.AssetKey(["marts", "collector_worklist"]), dg.AssetKey(["marts", "collector_worklist_items"])}
    assert marts <= {dep.asset_key for dep in spec.deps}


def test_worklist_policy_needs_every_reason_once():
    with pytest.raises(ValidationError, match=r"missing \['not_yet_due'\], duplicated \['past_due'\]"):
        Worklist(next_actions=[
            NextAction(reason=r, action="act", due_in_days=1)
            for r in ("broken_promise", "promise_due", "director_dispute", "unmatched_payment",
                      "untouched", "past_due", "past_due")
        ])


def test_worklist_policy_names_an_unknown_bucket(tmp_path):
    policy = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    policy["worklist"]["weights"]["buckets"]["120+"] = 50
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    expected = r"worklist: weights.buckets: unknown aging bucket\(s\) \['120\+'\]"
    with pytest.raises(PolicyError, match=expected):
        load_policy(path)


def test_worklist_csv_keeps_formulas_from_running_in_a_spreadsheet(home):
    export(home)
    with (home / "exports" / "worklists" / AS_OF / "Lee_O_Neil.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert row["Notes"] == "INV-00000011: disputed, to settle by 10 Dec: =cmd()"  # not at the start: safe
    formula = '=HYPERLINK("http://evil.example","Pay here")'
    assert csv_cell(formula) == "'" + formula
    assert csv_cell("+1 (212) 555-0101") == "+1 (212) 555-0101"  # a phone number stays dialable
    assert csv_cell("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert csv_cell("Ana") == "Ana"
