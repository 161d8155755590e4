"""BAI2 as banks really write it (public files from moov-io/bai2 and ministryofjustice/bai2, see
samples/README.md): several records on a line, wrapped 16s, stray delimiters before an 88, blank
totals; and files that truly do not reconcile, rejected whole with the record and both totals."""

import datetime as dt

import pytest

from orchestration.ingest.landing import FileRejected, fingerprint
from orchestration.ingest.payments.bai2 import parse_bai2
from tests.orchestration.ingest.payments.helpers import CONFIG, SAMPLES, bai2, landing_file

HEADER = "01,BANKID,CUSTID,261122,0600,1,80,,2/\n02,CUSTID,BANKID,1,261122,2359,USD,2/\n"


def parse(file):
    return parse_bai2(file, CONFIG.bai2)


def test_bai2_several_records_on_one_line_and_a_16_wrapped_without_an_88_reconcile():
    # moov's sample3: `01…/   02…/` on line 1, two 16s on line 3, `88…/  49…/  03…/` on line 10,
    # and a 16 whose text wraps onto line 19 with no 88; its 74 records reconcile to 2,508,440.
    parsed = parse(fingerprint(SAMPLES / "moov_sample3.txt"))
    assert parsed.created_at == dt.datetime(2022, 9, 19, 21, 12)
    assert [(t.row_number, t.cents, t.reference) for t in parsed.receipts[:3]] == [
        (3, 2500, "TRANSFER   PAYPAL             PPD"), (3, 500, "TRANSFER   MSPBNA BANK        PPD"),
        (4, 100, "Ext Trnsfr JPMorgan Chase     PPD")]
    wrapped = next(t for t in parsed.transactions if t.row_number == 18)
    assert (wrapped.account, wrapped.code, wrapped.cents, wrapped.reference) == (
        "11111111", "142", 2500, "111111     ACH_SETL           1111111111111111111111111,1111111111")
    assert [t.row_number for t in parsed.non_receipts if t.account == "1111111"] == [
        5, 7, 9, 13, 13]
    assert (len(parsed.receipts), len(parsed.non_receipts), parsed.rejected) == (13, 13, [])


def test_bai2_records_on_one_line_that_do_not_reconcile_name_the_physical_line(tmp_path):
    text = HEADER + ("03,1234567,USD,010,100000,,,/\n"
                     "16,142,2000,0,,,INV 1001/  16,142,3000,0,,,INV 1002/  49,105000,4/\n"
                     "98,105000,1,6/   99,105000,1,8/\n")
    parsed = parse(landing_file(tmp_path, "one.bai", text))
    assert [(t.row_number, t.cents, t.reference) for t in parsed.receipts] == [
        (4, 2000, "INV 1001"), (4, 3000, "INV 1002")]
    wrong = text.replace("49,105000,4", "49,106000,4")
    with pytest.raises(FileRejected, match=r"two.bai line 4 \(49 record\): account 1234567 control "
                                           r"total is 106000 but the records add up to 105000; "
                                           r"the file does not reconcile and is rejected whole"):
        parse(landing_file(tmp_path, "two.bai", wrong))


def test_bai2_slashes_inside_detail_text_do_not_end_the_record():
    parsed = parse(fingerprint(SAMPLES / "venturehacks_eod_with_slash_in_text.bai2"))
    (wire,) = parsed.receipts
    assert (wire.row_number, wire.code, wire.cents) == (4, "195", 8325982)
    assert "ORG ADDRESS:=2/AV MAIN 2/AVENUE DE ANGELLIST 3/MX,/MEXICO ;,BNF ID" in wire.reference
    assert wire.reference.endswith("OBI:=INVOICE 123456")


def test_bai2_a_line_without_a_record_code_after_a_finished_record_rejects_the_file(tmp_path):
    text = bai2(["16,142,2000,0,,,INV 1001/"]).replace("INV 1001/\n", "INV 1001/\nPAGE 2 OF 2\n")
    with pytest.raises(FileRejected, match=r"p.bai: line 5 is not a BAI2 record \(no record code "
                                           r"such as 16 or 88, and the record before it is ended "
                                           r"by '/'\): 'PAGE 2 OF 2'"):
        parse(landing_file(tmp_path, "p.bai", text))


def test_bai2_account_record_continued_after_a_stray_delimiter_keeps_its_type_code_pairs():
    # SVB's file: `03,…,015,35217175,,,/` then `88,040,32742537,…`: the empty field before `/`
    # is a stray delimiter, so 040 stays a type code and every total reconciles.
    parsed = parse(fingerprint(SAMPLES / "moj_svb_us_example.bai2"))
    assert [(t.row_number, t.booked_on, t.code, t.cents, t.bank_ref, t.reference)
            for t in parsed.transactions] == [
        (7, dt.date(2022, 2, 1), "142", 490196, "172629", "SOME PAYMENT ACH OFFSET"),
        (16, dt.date(2022, 2, 2), "142", 905800, "150675", "SOME PAYMENT ACH OFFSET")]
    assert all(t.reason is None for t in parsed.transactions)


def test_bai2_account_record_continued_inside_a_type_code_group_keeps_its_fields(tmp_path):
    # Continued between a type code and its amount (`…,045/` then `88,4626045,…`, ministryofjustice
    # bai2 issue 50), between an amount and its item count (`…,100,+1589285/` then `88,00008,…`,
    # issue 14), and after a stray delimiter: only the stray field is dropped.
    text = HEADER + ("03,1234567,USD,010,4764927,,,045/\n88,4626045,,,100,+1589285/\n"
                     "88,00008,,400,+1831945,00002,,/\n88,040,1000,,,/\n88,072,0,,/\n"
                     "16,142,2000,0,,,INV 1001/\n49,12815202,7/\n98,12815202,1,9/\n"
                     "99,12815202,1,11/\n")
    parsed = parse(landing_file(tmp_path, "m.bai", text))
    assert [(t.row_number, t.cents) for t in parsed.receipts] == [(8, 2000)]


def test_bai2_detail_text_after_an_empty_text_field_has_no_leading_comma(tmp_path):
    parsed = parse(landing_file(tmp_path, "t.bai", bai2(
        ["16,142,1000,,,,,/", "88,INV 1001 ACME LTD", "16,142,2000,,BR1,,/", "88,INV 1002"])))
    assert [(t.bank_ref, t.reference) for t in parsed.receipts] == [
        (None, "INV 1001 ACME LTD"), ("BR1", "INV 1002")]


def test_bai2_file_ending_with_a_dos_end_of_file_mark_is_read(tmp_path):
    parsed = parse(landing_file(tmp_path, "z.bai", bai2(["16,142,2000,0,,,INV 1001/"]) + "\x1a"))
    assert [(t.cents, t.reference) for t in parsed.receipts] == [(2000, "INV 1001")]


def test_bai2_header_time_written_with_colons_and_text_continued_over_88s():
    parsed = parse(fingerprint(SAMPLES / "moj_nwb_example.bai2"))
    assert parsed.created_at == dt.datetime(2010, 2, 15, 14, 59)
    (receipt,) = parsed.receipts
    assert (receipt.row_number, receipt.currency, receipt.code, receipt.cents) == (13, "GBP", "399", 89)
    assert receipt.reference.endswith("INTERNATIONAL-5373 CLIE,NT SECCY AC TFR")
    assert [t.cents for t in parsed.non_receipts] == [-971, -100, -123, -1571]


def test_bai2_blank_control_totals_of_a_file_without_amounts_reconcile(tmp_path):
    # The Ministry of Justice's file of closed accounts: `03,12345,/` then `49,,2/`.
    assert parse(fingerprint(SAMPLES / "moj_account_trailer_amount_blank_example.bai2")
                 ).transactions == []
    text = HEADER + "03,12345,USD/\n49/\n03,54321,USD,010,,,/\n49,,2/\n98,,2,/\n99,,1,8/\n"
    assert parse(landing_file(tmp_path, "b.bai", text)).transactions == []


@pytest.mark.parametrize(("stated", "blank", "where", "what"), [
    ("49,2000,3/", "49,,3/", r"line 5 \(49 record\)", "account 1234567 control total"),
    ("98,2000,1,5/", "98,,1,5/", r"line 6 \(98 record\)", "group control total"),
    ("99,2000,1,7/", "99,,1,7/", r"line 7 \(99 record\)", "file control total"),
])
def test_bai2_a_blank_total_where_the_records_carry_amounts_rejects_the_file(tmp_path, stated,
                                                                            blank, where, what):
    text = bai2(["16,142,2000,0,,,/"], summary="010,,,").replace(stated, blank)
    with pytest.raises(FileRejected, match=rf"b.bai {where}: {what} is blank but the records add "
                                           r"up to 2000; the file does not reconcile"):
        parse(landing_file(tmp_path, "b.bai", text))


def test_bai2_public_file_whose_account_total_does_not_reconcile_is_rejected_whole():
    # moov's continuation sample: account 107049932 states -1,260,161,341,762; its records add
    # up to 7,999,960.
    with pytest.raises(FileRejected, match=r"moov_sample4_continuations.txt line 22 \(49 record\): "
                                           r"account 107049932 control total is -1260161341762 "
                                           r"but the records add up to 7999960; the file does not "
                                           r"reconcile and is rejected whole"):
        parse(fingerprint(SAMPLES / "moov_sample4_continuations.txt"))
