"""Worklist exports: one CSV, XLSX and HTML page per collector in exports/worklists/<date>/."""

import csv
import datetime as dt
import zipfile

import dagster as dg
import pytest
import yaml
from pydantic import ValidationError

from orchestration.config import NextAction, PolicyError, Worklist, load_policy
from orchestration.outreach.worklists import (
    defs,
    describe_drivers,
    file_stems,
    read_worklists,
    render_html,
    worklists,
)
from orchestration.resources import LedgerloopResource
from orchestration.settings import REPO_ROOT
from orchestration.warehouse import connect

AS_OF = "2026-11-23"
DRIVERS = ('[{"driver":"days_past_due","value":"45","points":11.25},'
           '{"driver":"aging_bucket","value":"31-60","points":15.00}]')

WORKLIST_DDL = """
create schema if not exists marts;
create or replace table marts.collector_worklist (
    collector varchar, rank bigint, invoice_key varchar, invoice_number varchar, office varchar,
    account_id varchar, account_name varchar, currency varchar, balance decimal(18, 2),
    due_date date, days_past_due integer, aging_bucket varchar, stage varchar, reason varchar,
    next_action varchar, due_by date, priority_score decimal(18, 2), drivers json,
    director_answer varchar, promised_on date, days_since_touch integer, item_key varchar,
    payment_id varchar, exception_reason varchar
)
"""


def item(collector, rank, key, account="Acme, Inc.", score="26.25", answer=None):
    return {"collector": collector, "rank": rank, "key": key, "account": account, "score": score,
            "answer": answer}


def build(home, items):
    with connect(home / "warehouse.duckdb") as con:
        for statement in WORKLIST_DDL.split(";"):
            if statement.strip():
                con.execute(statement)
        for values in items:
            con.execute(
                "insert into marts.collector_worklist by name select $collector as collector, "
                "$rank as rank, $key as invoice_key, 'INV-' || $key as invoice_number, 'NYC' as office, "
                "'001A' as account_id, $account as account_name, 'USD' as currency, 1234.50 as balance, "
                "date '2026-10-09' as due_date, "
                "45 as days_past_due, '31-60' as aging_bucket, 'Follow Up' as stage, 'past_due' as reason, "
                "'Send a reminder or call the client' as next_action, date '2026-11-26' as due_by, "
                "cast($score as decimal(18, 2)) as priority_score, $drivers as drivers, "
                "$answer as director_answer, null as promised_on, 3 as days_since_touch",
                {**values, "drivers": DRIVERS},
            )


def export(home):
    resource = LedgerloopResource(home=str(home), as_of=AS_OF)
    return dg.materialize([worklists], resources={"ledgerloop": resource})


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    build(tmp_path, [
        item("Chris", 1, "NYC:1"), item("Chris", 2, "NYC:2", "<script>alert(1)</script>", "10.00"),
        item("Lee O'Neil", 1, "NYC:3", answer="Client disputes the invoice"),
    ])
    return tmp_path


def test_worklists_write_csv_xlsx_and_html_per_collector(home):
    result = export(home)
    assert result.success
    folder = home / "exports" / "worklists" / AS_OF
    assert sorted(p.name for p in folder.iterdir()) == [
        "Chris.csv", "Chris.html", "Chris.xlsx", "Lee_O_Neil.csv", "Lee_O_Neil.html", "Lee_O_Neil.xlsx"]
    with (folder / "Chris.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["rank"], r["invoice_key"], r["balance"], r["due_by"]) for r in rows] == [
        ("1", "NYC:1", "1234.50", "2026-11-26"), ("2", "NYC:2", "1234.50", "2026-11-26")]
    assert rows[0]["drivers"] == DRIVERS
    with zipfile.ZipFile(folder / "Lee_O_Neil.xlsx") as book:
        strings = book.read("xl/worksheets/sheet1.xml").decode()  # inline strings (constant_memory)
    assert "Client disputes the invoice" in strings and "Send a reminder or call the client" in strings
    (materialization,) = result.get_asset_materialization_events()
    materialization = materialization.materialization
    assert materialization.metadata["rows"].value == 3
    assert materialization.metadata["collectors"].value == 2


def test_worklists_html_escapes_what_the_sources_wrote(home):
    export(home)
    page = (home / "exports" / "worklists" / AS_OF / "Chris.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'name="viewport"' in page
    assert "days_past_due 45: +11.25; aging_bucket 31-60: +15.00" in page
    assert page.index("#1 Acme, Inc.") < page.index("#2 &lt;script&gt;")


def test_worklists_page_shows_a_queued_payment_as_a_payment(home):
    with connect(home / "warehouse.duckdb") as con:
        con.execute("insert into marts.collector_worklist (collector, rank, item_key, payment_id, "
                    "account_name, currency, balance, reason, next_action, due_by, priority_score, drivers, "
                    "exception_reason, days_since_touch) values ('Chris', 3, 'payment:p9', 'p9', null, "
                    "'GBP', 400.00, 'unmatched_payment', 'Tell cash application', date '2026-11-24', "
                    "13.00, '[]', 'currency_mismatch', 3)")
    export(home)
    page = (home / "exports" / "worklists" / AS_OF / "Chris.html").read_text(encoding="utf-8")
    assert "Payment p9 has waited 3 days in the\n    exception queue (currency_mismatch)." in page
    assert "GBP 400.00" in page and "Invoice None" not in page


def test_worklists_page_shows_the_first_items_and_says_where_the_rest_are(home):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        chris = read_worklists(con)["Chris"]
    page = render_html("Chris", chris, dt.date(2026, 11, 23), page_items=1)
    assert "Chris: 2 items to work" in page and "the first 1 here,\nall of them in the spreadsheet" in page
    assert "#1 Acme" in page and "#2 " not in page


def test_worklists_rerun_replaces_the_days_folder(home):
    export(home)
    build(home, [item("Chris", 1, "NYC:1")])
    export(home)
    folder = home / "exports" / "worklists" / AS_OF
    assert sorted(p.name for p in folder.iterdir()) == ["Chris.csv", "Chris.html", "Chris.xlsx"]
    assert [p.name for p in folder.parent.iterdir()] == [AS_OF]


def test_file_stems_are_safe_and_unique():
    assert file_stems(["Lee O'Neil", "Lee/O'Neil", "../..", "Chris"]) == {
        "../..": "collector", "Chris": "Chris", "Lee O'Neil": "Lee_O_Neil", "Lee/O'Neil": "Lee_O_Neil-2"}


def test_describe_drivers_reads_the_json_list():
    assert describe_drivers(DRIVERS) == "days_past_due 45: +11.25; aging_bucket 31-60: +15.00"
    assert describe_drivers("[]") == "no drivers"


def test_worklists_definitions_load():
    dg.Definitions.validate_loadable(
        dg.Definitions.merge(defs, dg.Definitions(resources={"ledgerloop": LedgerloopResource()})))


def test_worklists_asset_follows_the_worklist_mart():
    spec = next(iter(worklists.specs))
    assert spec.key == dg.AssetKey(["exports", "worklists"])
    assert dg.AssetKey(["marts", "collector_worklist"]) in {dep.asset_key for dep in spec.deps}


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


def test_worklist_csv_keeps_formulas_from_running_in_a_spreadsheet(tmp_path):
    from orchestration.outreach.worklists import COLUMNS, write_csv

    item = dict.fromkeys(COLUMNS)
    item[COLUMNS[-1]] = '=HYPERLINK("http://evil.example","Pay here")'
    item[COLUMNS[0]] = "Ana"
    write_csv(tmp_path / "list.csv", [item])
    import csv

    rows = list(csv.reader((tmp_path / "list.csv").open(encoding="utf-8")))
    assert rows[1][-1] == "'=HYPERLINK(\"http://evil.example\",\"Pay here\")"
    assert rows[1][0] == "Ana"
