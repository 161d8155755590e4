"""The great-expectations suites pass on good frames and name what fails on bad ones."""

import datetime as dt
import os
import time
from decimal import Decimal

import pandas as pd
import pytest

from orchestration.policy import load_policy
from orchestration.quality import suites
from orchestration.settings import REPO_ROOT

POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")


@pytest.fixture
def raw_rows():
    return pd.DataFrame({
        "invoice_number": ["INV-1", "2"], "office": ["NYC", "LDN"], "account_name": ["A", "B"],
        "due_date": [dt.date(2026, 10, 1)] * 2, "amount": [Decimal("10.00"), Decimal("20.00")],
        "balance": [Decimal("5.00"), Decimal("20.00")], "currency": ["USD", "GBP"],
        "_file_sha256": ["f", "f"], "_row_number": [2, 3],
    })


@pytest.fixture
def ledger_rows():
    return pd.DataFrame({
        "invoice_key": ["NYC:1", "NYC:2"], "status": ["open", "paid"], "amount": [10.0, 10.0],
        "balance": [5.0, 0.0], "days_past_due": [3, None], "aging_bucket": ["1-30", None],
    })


def test_raw_suite_passes_on_good_rows(raw_rows):
    outcome = suites.validate(raw_rows, "raw_ok", suites.raw_invoices_valid(POLICY))
    assert outcome.success and outcome.failed == [] and outcome.rows == 2


def test_raw_suite_names_an_unknown_office_and_a_balance_over_amount(raw_rows):
    raw_rows.loc[1, "office"] = "PAR"
    raw_rows.loc[0, "balance"] = Decimal("11.00")
    outcome = suites.validate(raw_rows, "raw_bad", suites.raw_invoices_valid(POLICY))
    assert not outcome.success
    failed = "\n".join(outcome.failed)
    assert "expect_column_values_to_be_in_set({'column': 'office'" in failed
    assert "expect_column_pair_values_a_to_be_greater_than_b" in failed


def test_ledger_suite_rejects_a_bucket_on_a_paid_invoice(ledger_rows):
    assert suites.validate(ledger_rows, "ledger_ok", suites.ledger_consistent(POLICY)).success
    ledger_rows.loc[1, "aging_bucket"] = "90+"
    outcome = suites.validate(ledger_rows, "ledger_bad", suites.ledger_consistent(POLICY))
    assert not outcome.success
    assert any("expect_column_values_to_be_null({'column': 'aging_bucket'" in f for f in outcome.failed)


def test_conform_suite_flags_an_unknown_stage(raw_rows):
    raw_rows["stage"] = ["Invoiced", "Lost in mail"]
    raw_rows["director_email"] = ["a@example.com", "b@example.com"]
    raw_rows["collector"] = ["C", "C"]
    raw_rows["last_modified_at"] = [dt.datetime(2026, 11, 1)] * 2
    outcome = suites.validate(raw_rows, "conform", suites.raw_invoices_conform(POLICY))
    assert not outcome.success
    assert outcome.failed[0].startswith("expect_column_values_to_be_in_set({'column': 'stage'")


@pytest.fixture
def validator():
    from orchestration.quality import validator

    validator.start_validator().result(timeout=120)  # great-expectations imported over there
    yield validator
    validator.stop_validator()


def test_a_started_validator_validates_in_its_own_process_with_the_same_outcome(
        raw_rows, validator, monkeypatch):
    raw_rows.loc[1, "office"] = "PAR"
    here = suites.validate(raw_rows, "raw_invoices_valid", suites.raw_invoices_valid(POLICY))
    (process,) = validator._validator._processes.values()
    assert process.pid != os.getpid() and process.is_alive()

    def not_here(*_):
        raise AssertionError("validated in the run's own process")

    monkeypatch.setattr(suites, "validate", not_here)  # this process's copy; the validator has its own
    assert validator.validate_suite(raw_rows, "raw_invoices_valid", POLICY) == here
    assert not here.success


def test_a_validator_whose_process_died_is_replaced_by_validating_here(raw_rows, validator):
    (process,) = validator._validator._processes.values()
    process.kill()
    process.join(timeout=30)
    outcome = validator.validate_suite(raw_rows, "raw_invoices_valid", POLICY)
    assert outcome.success and outcome.rows == 2
    assert validator._validator is None  # stopped: later checks validate here


def test_the_validator_ends_after_the_ledger_the_last_suite_of_a_run(raw_rows, ledger_rows, validator):
    validator.validate_suite(raw_rows, "raw_invoices_valid", POLICY)
    assert validator._validator is not None
    (process,) = validator._validator._processes.values()
    assert validator.validate_suite(ledger_rows, validator.LAST_OF_A_RUN, POLICY).success
    assert validator._validator is None  # told to end; the run does not wait for its teardown
    deadline = time.monotonic() + 60
    while process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process.is_alive()


def test_validating_leaves_no_frame_in_the_kept_context(raw_rows):
    suites.validate(raw_rows, "raw_kept", suites.raw_invoices_valid(POLICY))
    assert "raw_kept" not in suites.context().data_sources.all()


def test_the_daemon_s_runs_of_jobs_with_suites_start_the_validator_first(tmp_path):
    """`ledgerloop run` starts the validator before it loads anything; a run the daemon starts
    (every 15 minutes, each answer loop) starts it with the run's resources, so its checks do not
    wait for great-expectations' import (1.6-1.7 s of each answer loop measured before)."""
    from types import SimpleNamespace

    from orchestration.defs.resources import LedgerloopResource
    from orchestration.quality import validator

    resource = LedgerloopResource(home=str(tmp_path))
    for job, starts in (("answer_loop_job", True), ("refresh_ledger_job", True), ("a_job_of_the_ui", False)):
        context = SimpleNamespace(run=SimpleNamespace(job_name=job, run_id=None), instance=None)
        with resource.yield_for_execution(context):
            assert (validator._validator is not None) == starts, job
        assert validator._validator is None  # ended with the run (a run that failed before its last suite)
