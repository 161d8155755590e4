"""BAI2: real-format samples, continuations, control totals, type codes and broken files."""

import datetime as dt

import pytest

from orchestration.ingest.landing import FileRejected, fingerprint
from orchestration.ingest.payments.bai2 import parse_bai2
from orchestration.policy.bai2 import Bai2Settings
from tests.orchestration.ingest.payments.helpers import CONFIG, SAMPLES, bai2, landing_file


def parse(file, settings: Bai2Settings = CONFIG.bai2):
    return parse_bai2(file, settings)


def test_bai2_sample1_reconciles_and_only_credit_details_are_receipts():
    parsed = parse(fingerprint(SAMPLES / "moov_sample1.txt"))
    assert parsed.format == "bai2"
    assert parsed.created_at == dt.datetime(2006, 3, 21, 8, 29)
    assert [(t.row_number, t.cents, t.reference) for t in parsed.receipts] == [
        (8, 203500, "TFR 1020 0345678"), (9, 2500, "MACLEOD MALL"), (10, 2500, "MASCOUCHE QUE"),
        (19, 11500, "TFR 1020 0345678"), (20, 100000, "MONTREAL"),
    ]
    assert {(t.currency, t.booked_on, t.account) for t in parsed.transactions} == {
        ("CAD", dt.date(2006, 3, 17), "10200123456")}
    assert [t.reason for t in parsed.non_receipts] == ["debit"] * 12
    assert all(t.cents < 0 and t.code == "409" for t in parsed.non_receipts)
    assert parsed.rejected == []


def test_bai2_spec_sample2_reconciles_with_continuations_and_distributed_funds():
    parsed = parse(fingerprint(SAMPLES / "moov_sample2.txt"))
    assert [(t.account, t.code, t.cents, t.bank_ref, t.reference) for t in parsed.receipts] == [
        ("0123456789", "115", 450000, None, None),
        ("9876543210", "115", 500000, None, "LOCK BOX NO.68751"),
        ("4589761203", "218", 20000000, "SP4738",
         "YRC065321 PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"),
        ("4589761203", "195", 10000000, None, None),
    ]
    assert {t.currency for t in parsed.receipts} == {"USD"}  # no currency named: the default


def test_bai2_truncated_file_is_rejected_naming_where_it_ends(tmp_path):
    lines = (SAMPLES / "moov_sample1.txt").read_text().splitlines()
    file = landing_file(tmp_path, "cut.bai", "\n".join(lines[:20]) + "\n")
    with pytest.raises(FileRejected, match=r"cut.bai: ends at line 20 without a file trailer "
                                           r"\(99\); the file is truncated"):
        parse(file)


def test_bai2_account_total_that_does_not_reconcile_rejects_the_file_naming_the_record(tmp_path):
    text = (SAMPLES / "moov_sample1.txt").read_text().replace(
        "49,+00000000000834000,14/", "49,+00000000000834100,14/")
    with pytest.raises(FileRejected, match=r"bad.bai line 16 \(49 record\): account 10200123456 "
                                           r"control total is 834100 but the records add up to "
                                           r"834000; the file does not reconcile"):
        parse(landing_file(tmp_path, "bad.bai", text))


def test_bai2_record_count_that_does_not_reconcile_rejects_the_file(tmp_path):
    text = (SAMPLES / "moov_sample1.txt").read_text().replace("99,+00000000001280000,1,27/",
                                                              "99,+00000000001280000,1,26/")
    with pytest.raises(FileRejected, match=r"line 27 \(99 record\): file record count is '26' "
                                           r"but the file has 27"):
        parse(landing_file(tmp_path, "count.bai", text))


def test_bai2_detail_text_continues_on_88_records_and_bank_reference_is_kept(tmp_path):
    file = landing_file(tmp_path, "a.bai", bai2([
        "16,115,10000000,S,5000000,4000000,1000000/",
        "88,AX13612,B096132,AMALGAMATED CORP. LOCKBOX",
        "88,DEPOSIT-MISC. RECEIVABLES",
        "16,165,1500000,1,DD1620,, DEALER PAYMENTS INV 123",
    ]))
    parsed = parse(file)
    assert [(t.row_number, t.cents, t.bank_ref, t.reference) for t in parsed.receipts] == [
        (4, 10000000, "AX13612", "B096132 AMALGAMATED CORP. LOCKBOX,DEPOSIT-MISC. RECEIVABLES"),
        (7, 1500000, "DD1620", "DEALER PAYMENTS INV 123"),
    ]


def test_bai2_returns_rejects_own_account_transfers_and_debits_are_not_receipts(tmp_path):
    file = landing_file(tmp_path, "mix.bai", bai2([
        "16,142,1000,0,,,ACH CREDIT/", "16,266,2000,0,,,RETURN ITEM/",
        "16,261,3000,0,,,REJECTED/", "16,275,4000,0,,,ZBA CREDIT/",
        "16,475,5000,0,,,CHECK PAID/", "16,890,,,,,reports delayed/",
    ]))
    parsed = parse(file)
    assert [(t.code, t.reason, t.cents) for t in parsed.transactions] == [
        ("142", None, 1000), ("266", "return", 2000), ("261", "reject", 3000),
        ("275", "own-account transfer", 4000), ("475", "debit", -5000),
        ("890", "non-monetary", 0),
    ]


def test_bai2_credit_codes_that_are_not_receipts_come_from_the_policy(tmp_path):
    file = landing_file(tmp_path, "codes.bai", bai2(["16,354,1000,0,,,/", "16,266,2000,0,,,/"]))
    settings = Bai2Settings(not_receipts={"bank interest": {"354": "Interest Credit"}})
    parsed = parse(file, settings)
    assert [(t.code, t.reason) for t in parsed.transactions] == [
        ("354", "bank interest"), ("266", None)]


def test_bai2_blocked_file_of_fixed_length_records_is_split_by_the_declared_length(tmp_path):
    records = bai2(["16,165,1500000,1,DD1620,, DEALER PAYMENTS"]).splitlines()
    blocked = "".join(r.ljust(80) for r in records)
    parsed = parse(landing_file(tmp_path, "blocked.bai", blocked))
    assert [(t.cents, t.reference) for t in parsed.receipts] == [(1500000, "DEALER PAYMENTS")]


def test_bai2_bad_type_code_is_quarantined_with_its_line(tmp_path):
    parsed = parse(landing_file(tmp_path, "t.bai", bai2(["16,1X5,1000,0,,,/", "16,115,2000,0,,,/"])))
    assert [(r.row_number, r.field, r.reason) for r in parsed.rejected] == [
        (4, "type_code", "type code '1X5' is not 3 digits")]
    assert len(parsed.receipts) == 1


def test_bai2_malformed_amount_rejects_the_file_since_totals_cannot_be_checked(tmp_path):
    text = bai2(["16,115,2000,0,,,/"]).replace("16,115,2000", "16,115,20O0")
    with pytest.raises(FileRejected, match=r"a.bai line 4 \(16 record\): amount '20O0' is not"):
        parse(landing_file(tmp_path, "a.bai", text))


def test_bai2_file_neither_utf8_nor_the_fallback_encoding_is_rejected_naming_the_line(tmp_path):
    text = bai2(["16,115,2000,0,,,PAYER \x00/"]).encode().replace(b"\x00", b"\x81")
    with pytest.raises(FileRejected, match=r"e.bai: line 4 is neither UTF-8 nor cp1252 \(byte 0x81\)"):
        parse(landing_file(tmp_path, "e.bai", text))


def test_bai2_latin1_text_is_read_with_the_fallback_encoding(tmp_path):
    data = bai2(["16,115,2000,0,,,M\x00LLER GMBH/"]).encode().replace(b"\x00", "Ü".encode("cp1252"))
    parsed = parse(landing_file(tmp_path, "l.bai", data))
    assert (parsed.encoding, parsed.receipts[0].reference) == ("cp1252", "MÜLLER GMBH")


def test_bai2_file_without_a_file_header_is_not_bai2(tmp_path):
    with pytest.raises(FileRejected, match=r"n.txt: not a BAI2 file"):
        parse(landing_file(tmp_path, "n.txt", "Date,Amount\n2026-11-01,10.00\n"))
