"""The SQL every ingest shares: parsers for amounts, dates and timestamps as exports write them,
and the quarantine reasons worded alike for every source."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from orchestration.ingest.sql_files import ingest_sql
from orchestration.storage.warehouse import STORAGE_SQL, run_sql_file

US_TIMESTAMPS = ["%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    run_sql_file(connection, STORAGE_SQL / "parse_macros.sql")
    yield connection
    connection.close()


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("$1,234.56", "1234.56", None),
    ("USD 1,234.56", "1234.56", "USD"),
    ("GBP 1,234.56", "1234.56", "GBP"),
    ("£1,234.56", "1234.56", None),
    ("1,234.56 EUR", "1234.56", "EUR"),
    ("1234.5", "1234.50", None),
    ("(1,234.56)", "-1234.56", None),
    ("-$5.00", "-5.00", None),
    ("  7 ", "7.00", None),
    ("12O.50", None, None),          # letter O, not zero
    ("1.234", None, None),           # three decimals: not a US amount
    ("1,234.567 GBP", None, "GBP"),
    ("USD", None, None),
    ("", None, None),
])
def test_money_parses_what_exports_write(con, text, amount, currency):
    got = con.execute("select ll_money(?, '.', ','), ll_money_currency(?)", [text, text]).fetchone()
    assert got == (Decimal(amount) if amount else None, currency)


def test_money_honours_a_european_locale(con):
    assert con.execute("select ll_money('1.234,56 EUR', ',', '.')").fetchone() == (Decimal("1234.56"),)


@pytest.mark.parametrize(("text", "expected"), [
    ("11/7/2026", dt.date(2026, 11, 7)),
    ("2026-11-07", dt.date(2026, 11, 7)),
    ("11-7-2026", dt.date(2026, 11, 7)),
    ("2/29/2028", dt.date(2028, 2, 29)),
    ("2/30/2026", None),
    ("13/1/2026", None),
    ("Nov 7", None),
])
def test_dates_in_us_order_or_iso(con, text, expected):
    assert con.execute("select ll_date(?, '%m/%d/%Y')", [text]).fetchone() == (expected,)


def test_dates_in_day_first_order(con):
    assert con.execute("select ll_date('7/11/2026', '%d/%m/%Y')").fetchone() == (dt.date(2026, 11, 7),)


@pytest.mark.parametrize(("text", "expected_utc"), [
    ("11/7/2026 5:14 AM", dt.datetime(2026, 11, 7, 10, 14)),   # EST, after the DST change
    ("7/7/2026 5:14 PM", dt.datetime(2026, 7, 7, 21, 14)),     # EDT
    ("2026-11-07T10:14:00Z", dt.datetime(2026, 11, 7, 10, 14)),
    ("2026-11-07T05:14:00-05:00", dt.datetime(2026, 11, 7, 10, 14)),
    ("2026-11-07 05:14", dt.datetime(2026, 11, 7, 10, 14)),
    ("yesterday", None),
])
def test_timestamps_become_utc_from_the_report_time_zone(con, text, expected_utc):
    got = con.execute("select ll_timestamp(?, ?, 'America/New_York')", [text, US_TIMESTAMPS]).fetchone()
    assert got == (expected_utc,)


@pytest.mark.parametrize(("check", "problem"), [
    ("ll_if_empty('due_date', 'Due Date', null)", {"field": "due_date", "reason": "Due Date is empty"}),
    ("ll_if_empty('due_date', 'Due Date', '1/2/2026')", None),
    ("ll_if_missing('due_date', 'Due Date', '2/30/2026', null, 'date')",
     {"field": "due_date", "reason": "Due Date '2/30/2026' is not a valid date"}),
    ("ll_if_missing('amount', 'Amount', null, null, 'amount')",
     {"field": "amount", "reason": "Amount is empty"}),
    ("ll_if_unread('amount', 'Amount', null, null, 'amount')", None),
    ("ll_if_unread('amount', 'Amount', 'O''Neil', null, 'amount')",
     {"field": "amount", "reason": "Amount 'O'Neil' is not an amount"}),
    ("ll_if_unread('updated_at', 'Last Updated', 'never', null, 'timestamp')",
     {"field": "updated_at", "reason": "Last Updated 'never' is not a valid timestamp"}),
    ("ll_if_unread('is_disputed', 'Disputed', 'maybe', null, 'yes/no')",
     {"field": "is_disputed", "reason": "Disputed 'maybe' is not yes/no, true/false or 1/0"}),
    ("ll_if_empty_or_unmatched('invoice_number', 'Invoice #', 'INV-', '[0-9]', 'has no digits')",
     {"field": "invoice_number", "reason": "Invoice # 'INV-' has no digits"}),
    ("ll_if_empty_or_unmatched('invoice_number', 'Invoice #', 'INV-1', '[0-9]', 'has no digits')", None),
    ("ll_if_unknown_office('Office', 'Paris', null)",
     {"field": "office", "reason": "Office 'Paris' is not an office in ledgerloop.yaml (add it to "
                                   "offices:, as an office or an alias of one)"}),
    ("ll_if_unknown_office('Office', 'NY', 'NYC')", None),
])
def test_quarantine_reasons_name_the_column_and_quote_the_cell(con, check, problem):
    assert con.execute(f"select {check}").fetchone()[0] == problem


def test_a_row_lists_only_the_fields_that_have_a_problem(con):
    problems = con.execute(
        "select ll_problems([ll_if_empty('a', 'A', 'x'), ll_if_empty('b', 'B', null), "
        "ll_if_unread('c', 'C', 'y', null, 'date')])"
    ).fetchone()[0]
    assert problems == [{"field": "b", "reason": "B is empty"},
                        {"field": "c", "reason": "C 'y' is not a valid date"}]


@pytest.mark.parametrize("name", ["salesforce_invoices.sql", "tracker_invoices.sql",
                                  "history_invoices.sql"])
def test_each_source_words_its_quarantine_reasons_with_the_shared_macros(name):
    # One wording for every source: a source's SQL says which fields to check, not how to say
    # what is wrong with them.
    text = ingest_sql(name).read_text(encoding="utf-8")
    worded_here = [phrase for phrase in ("{'field'", "' is empty'", "is not a valid date",
                                         "is not an amount", "is not a valid timestamp", "is not yes/no",
                                         "is not an office", "list_filter(")
                   if phrase in text]
    assert worded_here == []


@pytest.mark.parametrize(("text", "expected"), [
    ("https://files.example.com/invoices/INV-00123.pdf", "https://files.example.com/invoices/INV-00123.pdf"),
    ("  HTTPS://Files.Example.com:8443/a?id=1&sig=x%20y#page=2 ", "HTTPS://Files.Example.com:8443/a?id=1&sig=x%20y#page=2"),
    ("https://example.my.salesforce.com/sfc/p/#a0B000000", "https://example.my.salesforce.com/sfc/p/#a0B000000"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(document.cookie)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("http://files.example.com/INV-1.pdf", None),            # the customer's browser would send it in clear
    ("/invoices/INV-1.pdf", None),                           # relative: to the portal itself
    ("//evil.example/INV-1.pdf", None),
    ("https://user:secret@files.example.com/INV-1.pdf", None),  # credentials shown to the customer
    ("https://files.example.com\\@evil.example/", None),     # browsers read `\` as `/`
    ('https://files.example.com/"onmouseover="x', None),
    ("https://files.example.com/a b.pdf", None),
    ("https://", None),
    ("see the PDF", None),
    ("https://files.example.com/" + "a" * 2000, None),
])
def test_https_url_accepts_only_an_https_address_a_customer_may_open(con, text, expected):
    assert con.execute("select ll_https_url(?)", [text]).fetchone()[0] == expected


def test_an_address_that_is_not_https_is_a_named_quarantine_reason(con):
    assert con.execute(
        "select ll_if_unread('document_url', 'Document URL', 'javascript:alert(1)', "
        "ll_https_url('javascript:alert(1)'), 'https address')"
    ).fetchone()[0] == {
        "field": "document_url", "reason": "Document URL 'javascript:alert(1)' is not an https:// address"
    }
