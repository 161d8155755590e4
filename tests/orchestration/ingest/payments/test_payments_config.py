"""`sources.payments` in ledgerloop.yaml: bank CSV layouts and BAI2 type codes, validated."""

from pathlib import Path

import pytest
import yaml

from orchestration.policy import PolicyError, load_policy
from orchestration.policy.bai2 import default_not_receipts
from orchestration.settings import REPO_ROOT

POLICY = REPO_ROOT / "ledgerloop.yaml"


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(POLICY.read_text())
    change(data["sources"]["payments"])
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_policy_maps_the_default_bank_csv_and_documents_the_bai2_non_receipts():
    payments = load_policy(POLICY).sources.payments
    (layout,) = payments.bank_csv
    assert layout.columns["bank_transaction_id"] == "Bank Transaction ID"
    # The table staff read in ledgerloop.yaml is the one a policy without `bai2:` gets.
    assert payments.bai2.not_receipts == default_not_receipts()
    assert payments.bai2.reasons[266] == "return" and payments.bai2.reasons[275] == (
        "own-account transfer")
    assert {191, 206, 108, 115, 195} & set(payments.bai2.reasons) == set()


def test_a_layout_with_both_a_signed_amount_and_debit_credit_columns_is_refused(tmp_path):
    path = write(tmp_path, lambda p: p["bank_csv"][0]["columns"].update(credit="Cr", debit="Dr"))
    with pytest.raises(PolicyError, match=r"sources.payments.bank_csv.0.columns: map either a "
                                          r"signed 'amount' column or both 'credit' and 'debit'"):
        load_policy(path)


def test_a_layout_without_currency_column_or_default_is_refused(tmp_path):
    path = write(tmp_path, lambda p: p["bank_csv"][0]["columns"].pop("currency"))
    with pytest.raises(PolicyError, match=r"map a 'currency' column or set 'currency'"):
        load_policy(path)


def _not_receipts(tmp_path: Path, table) -> Path:
    return write(tmp_path, lambda p: p["bai2"].update(not_receipts=table))


def test_a_malformed_bai2_type_code_is_refused(tmp_path):
    with pytest.raises(PolicyError, match=r"sources.payments.bai2.not_receipts: return.'2660': a "
                                          r"type code is 3 digits"):
        load_policy(_not_receipts(tmp_path, {"return": {"2660": "Return Item"}}))


@pytest.mark.parametrize(("code", "name", "problem"), [
    ("110", "Total Lockbox Deposits", r"return.110: the BAI2 specification makes 110 \(Total "
                                      r"Lockbox Deposits\) a summary code, a total and never a "
                                      r"receipt; list detail codes only"),
    ("010", "Opening Ledger", r"return.010: not a credit type code \(credits are 100-399"),
    ("557", "Individual ACH Return Item", r"return.557: not a credit type code"),
    ("275", "Return Item", r"return.275: the BAI2 specification names it 'ZBA Credit', not "
                           r"'Return Item'; check the code"),
])
def test_a_bai2_code_that_is_no_credit_detail_or_is_misnamed_is_refused(tmp_path, code, name,
                                                                         problem):
    with pytest.raises(PolicyError, match=rf"sources.payments.bai2.not_receipts: {problem}"):
        load_policy(_not_receipts(tmp_path, {"return": {code: name}}))


def test_a_bai2_code_listed_under_two_reasons_is_refused(tmp_path):
    table = {"return": {"266": "Return Item"}, "reversal": {"266": "Return Item"}}
    with pytest.raises(PolicyError, match=r"reversal.266: already listed under 'return'"):
        load_policy(_not_receipts(tmp_path, table))


def test_unquoted_bai2_codes_and_spelling_variants_of_their_names_are_read(tmp_path):
    path = tmp_path / "ledgerloop.yaml"
    text = POLICY.read_text().replace('"274": Cumulative ZBA', "274: CUMULATIVE** ZBA")
    path.write_text(text)
    assert load_policy(path).sources.payments.bai2.reasons[274] == "own-account transfer"


def test_the_old_bai2_receipt_code_keys_are_refused_with_what_replaced_them(tmp_path):
    path = write(tmp_path, lambda p: p["bai2"].update(receipt_type_codes=["100-399"]))
    with pytest.raises(PolicyError, match=r"sources.payments.bai2: receipt_type_codes became "
                                          r"not_receipts: the credit detail codes that are not "
                                          r"receipts, by reason"):
        load_policy(path)
