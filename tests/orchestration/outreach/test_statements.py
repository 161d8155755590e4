"""Customer statements from the warehouse: the CLI on demand and the monthly asset."""

import csv
import datetime as dt
import io
from pathlib import Path

import dagster as dg
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from orchestration.cli import main
from orchestration.defs.outreach.statements import StatementsConfig, statements
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.customers import _statements as customer_statements
from orchestration.outreach.statements import (
    check_statements_policy,
    how_to_pay,
    month_done,
    read_statements,
    settled_statements,
)
from orchestration.policy import PolicyError, load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import export, row
from tests.orchestration.outreach.ledger_fixture import build_warehouse, invoice

AS_OF = dt.date(2026, 11, 23)


def ledger_row(number, account_id, days_past_due, balance, **changes) -> dict:
    """An `ar_ledger` row (the shared fixture's, plus the account id and invoice date)."""
    due = AS_OF - dt.timedelta(days=days_past_due)
    values = invoice(
        number,
        balance=balance,
        amount=changes.pop("amount", "5000.00"),
        due_date=due,
        days_past_due=days_past_due,
        status="open" if balance != "0.00" else "paid",
        **changes,
    )
    return {**values, "account_id": account_id, "invoice_date": due - dt.timedelta(days=30)}


def build(home: Path, rows: list[dict]) -> Path:
    path = build_warehouse(
        home / "warehouse.duckdb",
        [{k: v for k, v in row.items() if k not in ("account_id", "invoice_date")} for row in rows],
    )
    with connect(path) as con:
        con.execute("alter table marts.ar_ledger add column if not exists account_id varchar")
        con.execute("alter table marts.ar_ledger add column invoice_date date")
        for row in rows:
            con.execute(
                "update marts.ar_ledger set account_id = $account_id, invoice_date = $invoice_date "
                "where invoice_key = $invoice_key",
                {k: row[k] for k in ("account_id", "invoice_date", "invoice_key")},
            )
    return path


ROWS = [
    ledger_row("1", "001ACME", -5, "100.00", account_name="Acme, Inc."),
    ledger_row("2", "001ACME", 12, "200.00", account_name="Acme, Inc."),
    ledger_row("3", "001ACME", 45, "300.00", account_name="Acme, Inc."),
    ledger_row("4", "001ACME", 75, "400.00", account_name="Acme, Inc."),
    ledger_row("5", "001ACME", 150, "500.00", account_name="Acme, Inc."),
    ledger_row(
        "6",
        "001ACME",
        20,
        "70.00",
        account_name="Acme, Inc.",
        currency="GBP",
        office="LDN",
        invoice_key="LDN:6",
    ),
    ledger_row("7", "001ACME", 60, "0.00", account_name="Acme, Inc."),  # paid
    ledger_row("8", "002EVIL", 3, "10.00", account_name="<script>alert(1)</script>"),
    ledger_row("9", "003PAID", 40, "0.00", account_name="Paid Up Ltd"),
    ledger_row("10", None, 40, "999.00", account_name="Tracker only"),
]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    build(tmp_path, ROWS)
    return tmp_path


def policy():
    return load_policy(REPO_ROOT / "ledgerloop.yaml")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_read_statements_gives_each_account_with_an_open_balance_its_open_invoices(home):
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        found = read_statements(con, policy(), AS_OF)
    assert [s.account_id for s in found] == ["001ACME", "002EVIL"]
    acme = found[0]
    assert sorted(i.invoice_number for i in acme.invoices) == [f"INV-{n}" for n in "123456"]
    assert [(t.currency, str(t.total), str(t.past_due)) for t in acme.totals] == [
        ("GBP", "70.00", "70.00"),
        ("USD", "1500.00", "1400.00"),
    ]
    # Both offices' remit-to, each named, since the account has invoices in both.
    assert [text.split(":")[0] for text in acme.how_to_pay.remit_to] == ["London", "New York"]


class CountingConnection:
    """A DuckDB connection that counts the statements run through it."""

    def __init__(self, con):
        self.con, self.queries = con, 0

    def execute(self, *args, **kwargs):
        self.queries += 1
        return self.con.execute(*args, **kwargs)


def test_accounts_with_nothing_open_get_their_statements_from_one_read_however_many(home):
    """The customer door asks for every account with a contact but nothing open: at a million
    invoices that is thousands of accounts, and a read of the ledger each took minutes."""
    with connect(home / "warehouse.duckdb") as con:
        con.execute("update marts.ar_ledger set balance = 0, status = 'paid'")
        counting = CountingConnection(con)
        accounts = ["001ACME", "003PAID", "004NEVER", "002EVIL"]
        found = settled_statements(counting, policy(), AS_OF, accounts)
        assert counting.queries == 1
        counting.queries = 0
        published = customer_statements(counting, policy(), AS_OF, set(accounts))
        assert (counting.queries, sorted(published)) == (2, ["001ACME", "002EVIL", "003PAID"])
    assert [(s.account_id, s.account_name, s.invoices) for s in found] == [
        ("001ACME", "Acme, Inc.", ()),
        ("002EVIL", "<script>alert(1)</script>", ()),
        ("003PAID", "Paid Up Ltd", ()),
    ]
    assert [text.split(":")[0] for text in found[0].how_to_pay.remit_to] == ["London", "New York"]


def test_statement_cli_writes_html_and_pdf_and_prints_their_paths(home):
    result = CliRunner().invoke(main, ["statement", "001ACME", "--as-of", "2026-11-23", "--home", str(home)])
    assert result.exit_code == 0, result.output
    html, pdf = (Path(line) for line in result.output.splitlines())
    folder = home / "exports" / "statements" / "2026-11-23"
    assert (html, pdf) == (folder / "001ACME.html", folder / "001ACME.pdf")
    text = pdf_text(pdf)
    for line in (
        "current USD 100.00",
        "1-30 GBP 70.00 USD 200.00",
        "31-60 GBP 0.00 USD 300.00",
        "61-90 GBP 0.00 USD 400.00",
        "90+ GBP 0.00 USD 500.00",
        "Total GBP 70.00 USD 1,500.00",
    ):
        assert line.replace("current USD", "current GBP 0.00 USD") in text.splitlines(), (line, text)
    assert "Remit to: Meridian Partners LLC" in text and "Sort code 00-00-00" in text
    page = html.read_text(encoding="utf-8")
    assert 'Total</th><td class="num">GBP 70.00</td><td class="num">USD 1,500.00</td>' in page


def test_statement_cli_ages_invoices_at_the_date_asked(home, tmp_path):
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(
        main, ["statement", "001ACME", "--as-of", "2026-12-23", "--out", str(out), "--home", str(home)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [str(out / "001ACME.html"), str(out / "001ACME.pdf")]
    text = pdf_text(out / "001ACME.pdf")
    assert "Statement date: 23 December 2026" in text
    assert "1-30 GBP 0.00 USD 100.00" in text  # 30 days later: the current invoice is 25 days late
    for line in ("31-60 GBP 70.00 USD 200.00", "61-90 GBP 0.00 USD 300.00", "90+ GBP 0.00 USD 900.00"):
        assert line in text.splitlines()


def test_statement_cli_names_an_unknown_account(home):
    result = CliRunner().invoke(main, ["statement", "NOPE-42", "--home", str(home)])
    assert result.exit_code == 1
    assert "unknown account 'NOPE-42'" in result.output
    assert not (home / "exports").exists()


def test_statement_cli_writes_a_statement_for_a_known_account_with_nothing_open(home):
    result = CliRunner().invoke(main, ["statement", "003PAID", "--as-of", "2026-11-23", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "Nothing is open." in Path(result.output.splitlines()[0]).read_text(encoding="utf-8")


def test_statement_cli_without_a_warehouse_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["statement", "001ACME", "--home", str(tmp_path)])
    assert result.exit_code == 1 and "run `ledgerloop run` first" in result.output


def materialize(home, force=False):
    resource = LedgerloopResource(home=str(home), as_of=AS_OF.isoformat())
    return dg.materialize(
        [statements],
        resources={"ledgerloop": resource},
        run_config=dg.RunConfig({"exports__statements": StatementsConfig(force=force)}),
    )


def test_statements_asset_writes_a_statement_per_open_account_with_an_index(home):
    result = materialize(home)
    assert result.success
    metadata = result.asset_materializations_for_node("exports__statements")[0].metadata
    folder = home / "exports" / "statements" / "2026-11-23"
    assert metadata["accounts"].value == 2
    assert metadata["files"].value == 4
    assert metadata["folder"].value == str(folder)
    assert metadata["open_invoices_without_account_id"].value == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        "001ACME.html",
        "001ACME.pdf",
        "002EVIL.html",
        "002EVIL.pdf",
        "index.csv",
    ]
    assert "Total GBP 70.00 USD 1,500.00" in pdf_text(folder / "001ACME.pdf")
    evil = (folder / "002EVIL.html").read_text(encoding="utf-8")
    assert "<script>alert" not in evil and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil
    with (folder / "index.csv").open(encoding="utf-8") as index:
        rows = list(csv.DictReader(index))
    assert [(r["account_id"], r["currency"], r["balance"], r["pdf"]) for r in rows] == [
        ("001ACME", "GBP", "70.00", "001ACME.pdf"),
        ("001ACME", "USD", "1500.00", "001ACME.pdf"),
        ("002EVIL", "USD", "10.00", "002EVIL.pdf"),
    ]


def test_statements_asset_runs_once_a_month_unless_asked(home):
    assert month_done(home / "exports", AS_OF) is None
    assert materialize(home).success
    done = home / "exports" / "statements" / "2026-11-23"
    assert month_done(home / "exports", AS_OF + dt.timedelta(days=5)) == done
    assert month_done(home / "exports", dt.date(2026, 12, 1)) is None
    (done / "001ACME.html").unlink()

    again = materialize(home)
    metadata = again.asset_materializations_for_node("exports__statements")[0].metadata
    assert "skipped" in metadata and metadata["files"].value == 0
    assert not (done / "001ACME.html").exists()

    forced = materialize(home, force=True)
    assert forced.asset_materializations_for_node("exports__statements")[0].metadata["files"].value == 4
    assert (done / "001ACME.html").exists()


def test_statements_policy_defaults_load_and_unknown_offices_are_named(tmp_path):
    data = yaml.safe_load((REPO_ROOT / "ledgerloop.yaml").read_text(encoding="utf-8"))
    data.pop("statements", None)
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    defaults = load_policy(path)
    assert defaults.statements.sender_name == "Accounts Receivable"
    assert how_to_pay(defaults, ["NYC"]).remit_to == ()

    data["statements"] = {"remit_to": {"NYC": "Bank A", "PAR": "Bank B"}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"statements.remit_to: unknown office\(s\) \['PAR'\]"):
        check_statements_policy(load_policy(path))

    data["statements"] = {"monthly_pdf": "sometimes"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PolicyError, match="statements.monthly_pdf"):
        load_policy(path)


@pytest.mark.integration
@pytest.mark.slow
def test_statement_from_a_dbt_built_ledger_totals_every_bucket(tmp_path, monkeypatch):
    """The Done-when on the real `marts.ar_ledger`: a Salesforce export ingested and built by
    dbt, then `ledgerloop statement` for an account with an invoice in every bucket."""
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    landing = tmp_path / "landing" / "salesforce"
    landing.mkdir(parents=True)
    every_bucket = [  # due date -> days past due at 11/23/2026
        ("8001", "10/1/2026", "12/1/2026", "100.00"),  # -8: current
        ("8002", "10/1/2026", "11/3/2026", "200.00"),  # 20: 1-30
        ("8003", "9/1/2026", "10/9/2026", "300.00"),  # 45: 31-60
        ("8004", "8/1/2026", "9/9/2026", "400.00"),  # 75: 61-90
        ("8005", "4/1/2026", "5/1/2026", "500.00"),  # 206: 90+
    ]
    rows = [
        row(
            number,
            amount=balance,
            balance=balance,
            due=due,
            **{"Account ID": "001Z", "Account Name": "Zeta AG", "Invoice Date": issued},
        )
        for number, issued, due, balance in every_bucket
    ]
    rows.append(
        row(
            "8006",
            office="London",
            amount="90.00",
            balance="90.00",
            due="11/13/2026",
            Currency="GBP",
            **{"Account ID": "001Z", "Account Name": "Zeta AG"},
        )
    )
    (landing / "invoices.csv").write_text(export(rows))
    ingest_invoices(tmp_path)
    result = dbt(tmp_path, AS_OF.isoformat(), "run", "--select", "+ar_ledger")
    assert result.returncode == 0, result.stdout[-3000:]

    cli = CliRunner().invoke(
        main, ["statement", "001Z", "--as-of", AS_OF.isoformat(), "--home", str(tmp_path)]
    )
    assert cli.exit_code == 0, cli.output
    html, pdf = (Path(line) for line in cli.output.splitlines())
    lines = pdf_text(pdf).splitlines()
    for expected in (
        "current GBP 0.00 USD 100.00",
        "1-30 GBP 90.00 USD 200.00",
        "31-60 GBP 0.00 USD 300.00",
        "61-90 GBP 0.00 USD 400.00",
        "90+ GBP 0.00 USD 500.00",
        "Total GBP 90.00 USD 1,500.00",
    ):
        assert expected in lines, "\n".join(lines)
    # the number as the office writes it (ledgerloop.yaml), whatever the export spelled
    assert "INV-00008005 2026-04-01 2026-05-01 USD 500.00 USD 500.00 206 90+" in lines
    page = html.read_text(encoding="utf-8")
    assert '<td class="num">GBP 90.00</td><td class="num">USD 1,500.00</td>' in page
