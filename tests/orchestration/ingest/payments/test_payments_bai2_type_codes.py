"""BAI2 type codes, family by family as Appendix A of the 2005 specification groups them: every
credit detail is a receipt except the returns, reversals, rejects and own-account transfers the
shipped policy lists; totals, balances, debits and non-monetary records never are."""

import pytest

from orchestration.ingest.landing import fingerprint
from orchestration.ingest.payments.bai2 import parse_bai2
from orchestration.policy.bai2_codes import specification
from tests.orchestration.ingest.payments.helpers import CONFIG, SAMPLES, bai2, landing_file

OWN = "own-account transfer"

# family: (first, last, summary codes of the family, {non-receipt detail code: reason})
FAMILIES = {
    "summary and detail credits": (100, 109, {100, 101, 105, 106, 107, 109}, {}),
    "lockbox": (110, 123, {110, 120}, {123: "return"}),
    "concentration": (130, 147, {130, 131, 140, 146}, {135: OWN, 145: OWN}),
    "preauthorized and ACH": (150, 169, {150, 160, 162, 163, 167}, {168: "return"}),
    "other deposits": (170, 189, {170, 178, 180, 182, 185, 186, 188}, {}),
    "money transfer": (190, 229, {190, 200, 205, 207, 210, 215}, {201: OWN}),
    "security, returns, reversals and rejects": (
        230, 268, {230, 231, 239, 245, 250, 251, 256, 260},
        {252: "reversal", 254: "reversal", 255: "return", 257: "return", 258: "reversal",
         261: "reject", 266: "return", 268: "return"}),
    "zero balance and disbursing": (
        270, 286, {270, 271, 280, 285},
        {274: OWN, 275: OWN, 276: OWN, 277: OWN, 278: OWN, 281: OWN, 286: OWN}),
    "other credits": (
        294, 361, {294, 302, 303, 304, 305, 307, 309, 310, 315, 316, 318, 319, 320, 321, 324, 325,
                   326, 327, 328, 329, 330, 332, 336, 338, 340, 341, 343, 350, 352, 355, 356, 360,
                   361},
        {347: OWN}),
    "correspondent bank and Federal Reserve": (362, 389, {370, 385, 389}, {}),
    "miscellaneous credits": (390, 399, {390}, {395: "reversal"}),
}


def reasons(tmp_path, codes: list[int]) -> dict[int, str | None]:
    """Parse one file with a 16 of 1.00 for each code; the reason each gets (None: a receipt)."""
    file = landing_file(tmp_path, "codes.bai", bai2([f"16,{c:03d},100,0,,,X/" for c in codes]))
    parsed = parse_bai2(file, CONFIG.bai2)
    return {int(t.code): t.reason for t in parsed.transactions}


@pytest.mark.parametrize("family", FAMILIES)
def test_bai2_credit_family_details_are_receipts_unless_listed_and_summaries_never(tmp_path,
                                                                                   family):
    first, last, summaries, not_receipts = FAMILIES[family]
    codes = [c for c in specification() if first <= c <= last]
    got = reasons(tmp_path, codes)
    for code in codes:
        if code in summaries:
            assert got[code] == f"summary code {specification()[code].label}: a total, not a " \
                                "transaction", code
        else:
            assert got[code] == not_receipts.get(code), code
    assert summaries <= set(codes) and set(not_receipts) <= set(codes) - summaries


def test_uk_faster_payment_arriving_as_191_is_a_receipt():
    # A Citi (London) file published by the Ministry of Justice: a Faster Payment from a payer,
    # type 191 "Individual Incoming Internal Money Transfer" ("internal" to the bank).
    parsed = parse_bai2(fingerprint(SAMPLES / "moj_example.bai2"), CONFIG.bai2)
    (receipt,) = parsed.receipts
    assert (receipt.code, receipt.cents, receipt.currency, receipt.bank_ref) == (
        "191", 1, "GBP", "1234567890")
    assert receipt.reference.startswith("RP12312312312312 FR:FP SIP INCOMING,ENDT:20150715")


def test_same_bank_book_transfer_and_incoming_wire_are_receipts(tmp_path):
    assert reasons(tmp_path, [206, 195, 208]) == {206: None, 195: None, 208: None}


def test_bai2_debits_are_never_receipts_and_debit_totals_are_not_transactions(tmp_path):
    codes = [c for c in specification() if 400 <= c <= 699]
    got = reasons(tmp_path, codes)
    assert {got[c] for c in codes if specification()[c].level == "Detail"} == {"debit"}
    assert got[400] == "summary code 400 (Total Debits): a total, not a transaction"
    assert got[475] == "debit" and got[557] == "debit"


def test_bai2_balances_loans_non_monetary_and_bank_defined_codes_are_not_receipts(tmp_path):
    assert reasons(tmp_path, [10, 45, 721, 890, 920, 985]) == {
        10: "status code 010 (Opening Ledger): a balance, not a transaction",
        45: "status code 045 (Closing Available): a balance, not a transaction",
        721: "loan account type code 721, not a customer payment",
        890: "non-monetary",
        920: "bank-defined type code 920, not a customer payment",
        985: "debit",
    }


def test_bai2_credit_code_the_2005_specification_does_not_list_is_a_receipt(tmp_path):
    # Later BTRS versions add credit codes in 100-399 that Appendix A of 2005 does not name.
    assert 158 not in specification()
    assert reasons(tmp_path, [158]) == {158: None}


def test_bai2_debit_codes_carry_a_negative_amount_whatever_their_range(tmp_path):
    file = landing_file(tmp_path, "d.bai", bai2(["16,475,100,0,,,/", "16,985,200,0,,,/"]))
    assert [t.cents for t in parse_bai2(file, CONFIG.bai2).transactions] == [-100, -200]
