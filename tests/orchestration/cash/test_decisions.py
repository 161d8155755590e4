import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from orchestration.cash.decisions import (
    DecisionError,
    InvoiceChoice,
    append_decision,
    decisions_path,
    make_decision,
    parse_invoice_choice,
    read_decisions,
)
from orchestration.cli.payments import payments

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC)


def test_parse_invoice_choice_reads_invoice_and_optional_amount():
    assert parse_invoice_choice("NYC:123") == InvoiceChoice("NYC:123", None)
    assert parse_invoice_choice("INV-00123=250.5") == InvoiceChoice("INV-00123", Decimal("250.50"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=10", "no invoice"),
        ("NYC:1=ten", "not a number"),
        ("NYC:1=-5", "must be positive"),
        ("NYC:1=0", "must be positive"),
        ("NYC:1=1.005", "more than two decimals"),
    ],
)
def test_parse_invoice_choice_rejects_bad_amounts_with_the_reason(text, message):
    with pytest.raises(DecisionError, match=message):
        parse_invoice_choice(text)


def test_make_decision_rejects_an_invoice_named_twice_and_a_resolve_without_invoices():
    with pytest.raises(DecisionError, match="named twice"):
        make_decision("P1", "resolve", (InvoiceChoice("NYC:1"), InvoiceChoice("nyc:1")), "kim", NOW)
    with pytest.raises(DecisionError, match="at least one invoice"):
        make_decision("P1", "resolve", (), "kim", NOW)
    with pytest.raises(DecisionError, match="--by"):
        make_decision("P1", "unapply", (), " ", NOW)


def test_decisions_append_one_line_each_and_read_back_in_order(tmp_path):
    path = decisions_path(tmp_path)
    first = make_decision("P1", "resolve", (InvoiceChoice("NYC:1", Decimal("10.00")),), "kim", NOW)
    second = make_decision("P1", "unapply", (), "lee", NOW + dt.timedelta(minutes=1))
    append_decision(path, first)
    append_decision(path, second)
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {
        "decision_id": first.decision_id, "payment_id": "P1", "action": "resolve",
        "invoices": [{"invoice": "NYC:1", "amount": "10.00"}], "decided_by": "kim",
        "decided_at": "2026-11-23T17:30:00",
    }
    assert read_decisions(path) == [first, second]


def test_read_decisions_names_the_file_and_line_of_a_bad_line(tmp_path):
    path = decisions_path(tmp_path)
    append_decision(path, make_decision("P1", "unapply", (), "kim", NOW))
    with path.open("a") as handle:
        handle.write('{"payment_id": "P2"}\n')
    with pytest.raises(DecisionError, match=r"payment_decisions\.jsonl, line 2: not a decision"):
        read_decisions(path)


def test_cli_resolve_and_unapply_append_decisions_with_who(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        payments,
        ["resolve", "TXN1", "NYC:200123=100.00", "inv 200124", "--by", "kim", "--home", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "takes effect on the next run" in result.output
    result = runner.invoke(payments, ["unapply", "TXN1", "--by", "lee", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    resolved, unapplied = read_decisions(decisions_path(tmp_path))
    assert (resolved.action, resolved.decided_by, resolved.invoices) == (
        "resolve", "kim", (InvoiceChoice("NYC:200123", Decimal("100.00")), InvoiceChoice("inv 200124")))
    assert (unapplied.action, unapplied.decided_by, unapplied.invoices) == ("unapply", "lee", ())


def test_cli_resolve_refuses_a_bad_amount_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(payments, ["resolve", "TXN1", "NYC:1=abc", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "amount 'abc' is not a number" in result.output
    assert not decisions_path(tmp_path).exists()


def test_decisions_load_as_one_row_per_invoice_and_a_bad_line_keeps_the_last_load(tmp_path):
    """The run loads the file whole into raw.payment_decisions (what dbt reads on every engine):
    a resolve gives a row per invoice in order, an unapply one row without an invoice; a file with
    a line that is not a decision fails the load, naming the line, and the table keeps what it had."""
    from orchestration.cash.decisions import load_decisions
    from orchestration.storage.warehouse import connect

    path = decisions_path(tmp_path)
    now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
    choices = (parse_invoice_choice("NYC:101=250.00"), parse_invoice_choice("INV-00102"))
    append_decision(path, make_decision("P1", "resolve", choices, "sam", now))
    append_decision(path, make_decision("P2", "unapply", (), "kim", now))
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert load_decisions(con, path) == 2
        rows = con.execute(
            "select payment_id, action, position, invoice_reference, amount, decided_by, decided_at "
            "from raw.payment_decisions order by payment_id, position"
        ).fetchall()
        assert rows == [
            ("P1", "resolve", 1, "NYC:101", "250.00", "sam", "2026-11-23T09:30:00"),
            ("P1", "resolve", 2, "INV-00102", None, "sam", "2026-11-23T09:30:00"),
            ("P2", "unapply", 1, None, None, "kim", "2026-11-23T09:30:00"),
        ]
        with path.open("a") as handle:
            handle.write('{"payment_id": "P3"}\n')
        with pytest.raises(DecisionError, match=r"payment_decisions\.jsonl, line 3"):
            load_decisions(con, path)
        assert con.execute("select count(*) from raw.payment_decisions").fetchone() == (3,)
