"""The SQL parsers every ingest shares: amounts, dates and timestamps as exports write them."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

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
