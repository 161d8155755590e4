"""`customer_portal:`: the dispute reasons, the resolution days and the pay-now addresses."""

import pytest

from orchestration.policy.customer_portal import CustomerPortal


def test_a_pay_now_template_must_be_https_and_use_known_fields_only():
    with pytest.raises(ValueError, match="https://"):
        CustomerPortal(pay_now={"NYC": "http://pay.example/?a={amount}"})
    with pytest.raises(ValueError, match="may only use"):
        CustomerPortal(pay_now={"NYC": "https://pay.example/?card={card_number}"})
    url = CustomerPortal(pay_now={"NYC": "https://p.example/?a={amount}"}).published()["pay_now"]["NYC"]
    assert url == "https://p.example/?a={amount}"


def test_dispute_reasons_are_unique_and_named():
    with pytest.raises(ValueError, match="unique"):
        CustomerPortal(dispute_reasons=["Other", " Other"])
    with pytest.raises(ValueError, match="at least one"):
        CustomerPortal(dispute_reasons=[])
