"""Bank CSV: per-bank layouts, quarantined rows with row and field, whole-file problems."""

import datetime as dt

import pytest

from orchestration.ingest.landing import FileRejected
from orchestration.ingest.payments.bank_csv import AmountParser, parse_bank_csv
from orchestration.policy.payments import BankCsvLayout
from tests.orchestration.ingest.payments.helpers import CONFIG, landing_file

HEADER = "Date,Amount,Currency,Payer,Reference,Bank Transaction ID\n"
EU_BANK = BankCsvLayout(
    name="eu_bank", file_pattern="eu_bank_*.csv", header_row=3, delimiter=";",
    date_format="%d.%m.%Y", decimal_separator=",", thousands_separator=".",
    account="DE89370400440532013000", currency="EUR",
    columns={"date": "Buchungstag", "credit": "Haben", "debit": "Soll",
             "payer": "Auftraggeber", "reference": "Verwendungszweck"},
)
LAYOUTS = [EU_BANK, *CONFIG.bank_csv]


def parse(file, layouts=LAYOUTS):
    return parse_bank_csv(file, layouts)


def test_bank_csv_credits_are_receipts_and_debits_are_not(tmp_path):
    file = landing_file(tmp_path, "bank.csv", HEADER
                        + '2026-11-16,"1,234.50",USD,ACME LLC,INV-00123,TXN1\n'
                        + "2026-11-17,-35.27,usd,,WIRE FEE,TXN2\n\n")
    parsed = parse(file)
    (receipt,) = parsed.receipts
    assert (receipt.row_number, receipt.booked_on, receipt.cents, receipt.currency, receipt.payer,
            receipt.reference, receipt.bank_ref, receipt.account) == (
        2, dt.date(2026, 11, 16), 123450, "USD", "ACME LLC", "INV-00123", "TXN1", "default")
    assert [(t.row_number, t.cents, t.reason) for t in parsed.non_receipts] == [(3, -3527, "debit")]


def test_bank_csv_bad_rows_are_quarantined_with_row_number_and_field(tmp_path):
    file = landing_file(tmp_path, "bank.csv", HEADER
                        + "2026-11-16,12O.50,USD,ACME,INV-1,TXN1\n"
                        + "2026-11-31,10.00,USD,ACME,INV-2,TXN2\n"
                        + "2026-11-16,10.00,US$,ACME,INV-3,TXN3\n"
                        + "2026-11-16,10.00,USD,ACME\n"
                        + "2026-11-16,1.234,USD,ACME,INV-4,TXN4\n"
                        + "2026-11-16,10.00,USD,ACME,INV-5,TXN5\n")
    parsed = parse(file)
    assert [(r.row_number, r.field, r.reason) for r in parsed.rejected] == [
        (2, "amount", "Amount '12O.50' is not an amount"),
        (3, "date", "Date '2026-11-31' is not a date in the format '%Y-%m-%d'"),
        (4, "currency", "Currency 'US$' is not a 3-letter currency code"),
        (5, None, "row has 4 cells, the header has 6"),
        (6, "amount", "Amount '1.234' is not an amount"),
    ]
    assert parsed.rejected[0].raw_record["Amount"] == "12O.50"
    assert [t.row_number for t in parsed.receipts] == [7]


def test_bank_csv_missing_column_quarantines_every_row_and_names_the_close_match(tmp_path):
    file = landing_file(tmp_path, "bank.csv", "Date,Amt,Currency,Payer,Reference,Bank Transaction ID\n"
                        "2026-11-16,10.00,USD,A,R,T1\n2026-11-17,11.00,USD,B,R,T2\n")
    parsed = parse(file)
    assert [(r.row_number, r.field) for r in parsed.rejected] == [(2, "amount"), (3, "amount")]
    assert parsed.rejected[0].reason.startswith("column 'Amount' (layout 'default') is missing "
                                                "from the header")
    assert parsed.rejected[0].reason.endswith("did you mean 'Amt'?")
    assert parsed.transactions == []


def test_bank_csv_layout_is_picked_by_file_name_with_preamble_and_debit_credit_columns(tmp_path):
    text = ("Kontoauszug;;;;\nKonto DE89 3704 0044 0532 0130 00;;;;\n"
            "Buchungstag;Auftraggeber;Verwendungszweck;Soll;Haben\n"
            "16.11.2026;Müller GmbH;RE 2026-00123;;1.234,56\n"
            "17.11.2026;;Gebühren;12,00;\n"
            "18.11.2026;X;both;1,00;2,00\n")
    parsed = parse(landing_file(tmp_path, "EU_BANK_2026-11.csv", text))
    (receipt,) = parsed.receipts
    assert (receipt.row_number, receipt.booked_on, receipt.cents, receipt.currency, receipt.account,
            receipt.payer) == (4, dt.date(2026, 11, 16), 123456, "EUR", "DE89370400440532013000",
                               "Müller GmbH")
    assert [(t.row_number, t.cents, t.reason) for t in parsed.non_receipts] == [(5, -1200, "debit")]
    assert [(r.row_number, r.field, r.reason) for r in parsed.rejected] == [
        (6, "amount", "both Haben and Soll hold an amount")]


def test_bank_csv_with_no_matching_layout_is_rejected(tmp_path):
    only_eu = [EU_BANK]
    with pytest.raises(FileRejected, match=r"other.csv: no bank CSV layout in "
                                           r"sources.payments.bank_csv matches this file name "
                                           r"\(eu_bank: eu_bank_\*.csv\)"):
        parse(landing_file(tmp_path, "other.csv", HEADER), only_eu)


def test_bank_csv_in_a_legacy_encoding_is_read_with_the_fallback(tmp_path):
    data = (HEADER + "2026-11-16,10.00,USD,Société Générale,INV-1,T1\n").encode("cp1252")
    parsed = parse(landing_file(tmp_path, "bank.csv", data))
    assert (parsed.encoding, parsed.receipts[0].payer) == ("cp1252", "Société Générale")


def test_bank_csv_neither_utf8_nor_fallback_is_rejected_naming_the_line(tmp_path):
    data = (HEADER + "2026-11-16,10.00,USD,A,INV-1,T1\n").encode() + b"2026-11-16,1.00,USD,\x81,R,T2\n"
    with pytest.raises(FileRejected, match=r"bank.csv: line 3 is neither UTF-8 nor cp1252"):
        parse(landing_file(tmp_path, "bank.csv", data))


def test_bank_csv_empty_file_is_rejected(tmp_path):
    with pytest.raises(FileRejected, match=r"bank.csv: the file is empty"):
        parse(landing_file(tmp_path, "bank.csv", ""))


@pytest.mark.parametrize(("decimal", "thousands", "text", "cents"), [
    (".", ",", "1,234.56", 123456), (".", ",", "1234.5", 123450), (".", ",", "-12.00", -1200),
    (".", ",", "(12.00)", -1200), (".", ",", "12.00-", -1200), (".", ",", "+7", 700),
    (",", ".", "1.234,56", 123456), (",", " ", "1 234,56", 123456), (".", "'", "1'234.56", 123456),
    (".", ",", "12,34", None), (".", ",", "1.234", None), (".", ",", "", None),
    (".", ",", "$12.00", None), (".", "", "1,234.00", None),
])
def test_amount_parser_reads_bank_spellings_exactly(decimal, thousands, text, cents):
    assert AmountParser(decimal, thousands).cents(text) == cents


def test_bank_csv_missing_optional_mapped_column_is_not_ignored(tmp_path):
    file = landing_file(tmp_path, "bank.csv", "Date,Amount,Currency,Payer,Reference\n"
                        "2026-11-16,10.00,USD,A,R\n")
    (rejected,) = parse(file).rejected
    assert (rejected.row_number, rejected.field) == (2, "bank_transaction_id")
    assert "column 'Bank Transaction ID' (layout 'default') is missing" in rejected.reason
