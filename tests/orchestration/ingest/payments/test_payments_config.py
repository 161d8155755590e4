"""`sources.payments` in ledgerloop.yaml: bank CSV layouts and BAI2 type codes, validated."""

from pathlib import Path

import pytest
import yaml

from orchestration.config import PolicyError, expand_type_codes, load_policy
from orchestration.settings import REPO_ROOT

POLICY = REPO_ROOT / "ledgerloop.yaml"


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(POLICY.read_text())
    change(data["sources"]["payments"])
    path = tmp_path / "ledgerloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_policy_maps_the_default_bank_csv_and_bai2_receipt_codes():
    payments = load_policy(POLICY).sources.payments
    (layout,) = payments.bank_csv
    assert layout.columns["bank_transaction_id"] == "Bank Transaction ID"
    codes = expand_type_codes(payments.bai2.receipt_type_codes)
    assert {108, 115, 195} <= codes and 409 not in codes


def test_a_layout_with_both_a_signed_amount_and_debit_credit_columns_is_refused(tmp_path):
    path = write(tmp_path, lambda p: p["bank_csv"][0]["columns"].update(credit="Cr", debit="Dr"))
    with pytest.raises(PolicyError, match=r"sources.payments.bank_csv.0.columns: map either a "
                                          r"signed 'amount' column or both 'credit' and 'debit'"):
        load_policy(path)


def test_a_layout_without_currency_column_or_default_is_refused(tmp_path):
    path = write(tmp_path, lambda p: p["bank_csv"][0]["columns"].pop("currency"))
    with pytest.raises(PolicyError, match=r"map a 'currency' column or set 'currency'"):
        load_policy(path)


def test_a_malformed_bai2_type_code_is_refused(tmp_path):
    path = write(tmp_path, lambda p: p["bai2"].update(receipt_type_codes=["100-3999"]))
    with pytest.raises(PolicyError, match=r"sources.payments.bai2.receipt_type_codes: type codes "
                                          r"must be 3 digits"):
        load_policy(path)
