"""Each dbt test reads as a sentence where the Dagster UI (and a failed run's summary) shows the
check dbt named `not_null_ar_ledger_invoice_key` or `accepted_values_..._open__paid`."""

from __future__ import annotations

import pytest

from orchestration.quality.dbt_test_descriptions import describe_test

LEDGER = "model.ledgerloop.ar_ledger"
MANIFEST = {
    "nodes": {
        LEDGER: {"name": "ar_ledger", "columns": {
            "invoice_key": {"description": "Office code and normalized invoice number (`NYC:123`)."},
            "status": {"description": ""},
        }},
    },
    "macros": {"macro.ledgerloop.test_within_tolerance": {"description": "amounts agree within a cent"}},
}


def generic(name: str, column: str | None = None, **kwargs) -> dict:
    return {"name": f"{name}_ar_ledger_{column}", "column_name": column, "attached_node": LEDGER,
            "description": "", "test_metadata": {"name": name, "kwargs": {"column_name": column, **kwargs}}}


@pytest.mark.parametrize(("test", "sentence"), [
    (generic("not_null", "invoice_key"),
     "invoice_key is filled in on every row of ar_ledger. invoice_key: Office code and normalized "
     "invoice number (`NYC:123`)."),
    (generic("unique", "status"), "No two rows of ar_ledger have the same status."),
    (generic("accepted_values", "status", values=["open", "paid"]),
     "status in ar_ledger is always one of: open, paid."),
    (generic("accepted_values", "status", values=[str(n) for n in range(10)]),
     "status in ar_ledger is always one of: 0, 1, 2, 3, 4, 5, 6, 7 (and 2 more)."),
    (generic("accepted_values", "aging_bucket", values="{{ aging_bucket_labels() }}"),
     "aging_bucket in ar_ledger is always one of the aging bucket labels (`aging_bucket_labels()`)."),
    (generic("accepted_values", "currency", values="{{ var('currencies') }}"),
     "currency in ar_ledger is always one of the values of (`var('currencies')`)."),
    (generic("relationships", "account_id", to="ref('accounts')", field="id"),
     "Every account_id in ar_ledger is found in accounts.id."),
    (generic("filled", None, columns=["invoice_key"]), "invoice_key is filled in on every row of ar_ledger."),
    (generic("filled", None, columns=["invoice_key", "office", "balance"]),
     "invoice_key, office and balance are filled in on every row of ar_ledger."),
    (generic("non_negative", None, columns=["balance"]), "balance in ar_ledger is never below zero."),
    (generic("non_negative", None, columns=["amount", "balance"]),
     "amount and balance in ar_ledger are never below zero."),
    (generic("unique_combination", None, columns=["office", "invoice_number"]),
     "No two rows of ar_ledger have the same office + invoice_number."),
    (generic("worklist_drivers_sum_to_score"),
     "On every row of ar_ledger, the points of the drivers add up to priority_score exactly."),
    (generic("within_tolerance", "balance"), "Amounts agree within a cent on ar_ledger.balance."),
    (generic("mystery_rule", None), "Mystery rule on ar_ledger."),
])
def test_a_generic_test_reads_as_a_sentence(test, sentence):
    assert describe_test(test, MANIFEST) == sentence


def test_a_singular_test_reads_as_its_file_name_says():
    test = {"name": "assert_balance_never_exceeds_amount", "attached_node": LEDGER, "description": "",
            "original_file_path": "tests/assert_balance_never_exceeds_amount.sql"}
    assert describe_test(test, MANIFEST) == (
        "Balance never exceeds amount (the query in tests/assert_balance_never_exceeds_amount.sql "
        "finds no row that breaks it).")


def test_a_description_written_in_the_yaml_wins():
    test = {**generic("not_null", "invoice_key"), "description": "  Every invoice has its key.  "}
    assert describe_test(test, MANIFEST) == "Every invoice has its key."
