"""The summary of `ledgerloop run`, read by finance people: plain words, aging buckets as days
past due, failed checks by what they make sure of; `--json` keeps every key it had."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from orchestration.cli.run_summary import describe_failure
from orchestration.cli.runner import CheckLine, RunOutcome
from orchestration.settings import REPO_ROOT, Settings

# What the summary said on main: engineering words a finance reader has to ask about.
JARGON = ("quarantined", "rows read", "loaded ", "n/a", "schemas", "steps:", "materializ",
          "salesforce/invoices", "portal/director_updates", "payments/transactions", "entr(ies) from")


@pytest.fixture
def outcome(tmp_path) -> RunOutcome:
    """A run shaped like the 500-invoice demo's first run, with one failed warning check."""
    settings = Settings(home=tmp_path, config_path=REPO_ROOT / "ledgerloop.yaml")
    return RunOutcome(
        success=True, seconds=140.2, run_id="4028e7ae-12f5", settings=settings, as_of=dt.date(2026, 11, 23),
        ingest={
            "salesforce/invoices": {"files_processed": 6, "files_skipped_as_duplicates": 0,
                                    "files_rejected": 0, "rows_read": 1483, "rows_loaded": 1479,
                                    "rows_quarantined": 4, "rejected_files": "", "waiting_files": ""},
            "tracker/invoices": {"files_processed": 1, "rows_read": 150, "rows_loaded": 150,
                                 "rows_quarantined": 0},
            "payments/transactions": {"files_processed": 2, "rows_read": 38, "rows_loaded": 32,
                                      "rows_not_receipts": 6, "rows_quarantined": 0},
            "history/invoices": {"files_processed": 0, "note": "sources.history is not set"},
            "portal/director_updates": {"updates_loaded": 0},
            "portal/collector_entries": {"entries_loaded": 2},
        },
        outputs={"outbox/dunning_drafts": {"notices": 12, "call_tasks": 0, "escalations": 0,
                                           "outbox": str(tmp_path / "outbox" / "dunning")},
                 "outbox/alert_drafts": {"alerts_raised_today": 3, "drafts_written": 2}},
        checks=[CheckLine("marts/ar_ledger:unique_ar_ledger_invoice_key", True, "ERROR"),
                CheckLine("marts/payments:accepted_values_payments_match_status__matched", False, "WARN",
                          None, "match_status in payments is always one of: matched, partial, exception.")],
        totals=(500, 56, "GBP, USD"),
        buckets=[("GBP", "current", 16, Decimal("100725.53")), ("GBP", "1-30", 7, Decimal("75489.20")),
                 ("GBP", "90+", 7, Decimal("57824.71")), ("n/a", "90+", 3, Decimal("24976.81"))],
        quarantined_total=4, step_seconds={"ledgerloop_dbt_models": 85.7},
    )


def test_summary_reads_without_a_glossary(outcome):
    text = outcome.report()
    found = [word for word in JARGON if word in text]
    assert found == [], f"engineering words in the summary: {found}\n{text}"


def test_summary_headline_says_the_day_the_time_and_the_verdict(outcome):
    assert outcome.report().splitlines()[0] == (
        "ledgerloop run 4028e7ae for 23 Nov 2026: finished in 2 min 20 s, with 1 warning from the "
        "data checks")


def test_summary_headline_counts_the_whole_command_not_only_the_dagster_run(outcome):
    """Loading Dagster and dbt's project (seconds on a refresh) is part of what a person waited for."""
    outcome.command_seconds = 151.4
    assert "finished in 2 min 31 s," in outcome.report().splitlines()[0]
    assert outcome.as_dict()["seconds"] == 140.2 and outcome.as_dict()["command_seconds"] == 151.4


def test_summary_lists_what_came_in_in_words(outcome):
    lines = outcome.report().splitlines()
    assert ("  Salesforce invoice exports      6 new files; 1,483 rows: 1,479 taken in, 4 set aside "
            "with the reason (quarantine)") in lines
    assert ("  Bank payment files              2 new files; 38 entries: 32 payments received, "
            "6 not payments (debits, fees, returns)") in lines
    assert "  Collections tracker             1 new file; 150 rows: 150 taken in" in lines
    assert "  Invoice history                 not set up (sources.history is not set)" in lines
    assert "  Directors, from the portal      0 new answers" in lines
    assert "  Collectors, from the workbench  2 new entries" in lines


def test_summary_shows_receivables_by_days_past_due_per_currency(outcome):
    text = outcome.report()
    assert "Receivables on 23 Nov 2026: 56 open invoices of 500 known" in text
    rows = {re.sub(r"\s+", " ", line.strip()) for line in text.splitlines()}
    assert {"not yet due 16 100,725.53", "1-30 days past due 7 75,489.20",
            "over 90 days past due 7 57,824.71", "total open 30 234,039.44"} <= rows
    assert "currency not recorded invoices balance" in rows


def test_summary_names_a_failed_check_by_what_it_makes_sure_of(outcome):
    text = outcome.report()
    assert "Data checks: 1 of 2 passed, 1 failed" in text
    assert ("  failed (warning): match_status in payments is always one of: matched, partial, exception."
            "  [marts/payments:accepted_values_payments_match_status__matched]") in text


def test_summary_keeps_engineering_detail_out_but_json_keeps_every_key(outcome):
    assert "85.7" not in outcome.report()
    data = outcome.as_dict()
    assert {"success", "seconds", "run_id", "failure", "ingest", "outputs", "step_seconds", "checks",
            "ledger", "open_by_bucket", "quarantined_rows"} <= set(data)
    assert data["step_seconds"] == {"ledgerloop_dbt_models": 85.7}
    assert data["as_of"] == "2026-11-23"
    assert {"name", "passed", "severity", "detail", "description"} <= set(data["checks"][1])


def test_a_dbt_failure_is_told_by_dbts_own_error_and_where_its_log_is():
    message = (
        "The dbt CLI process with command\n\n`dbt build --vars {}`\n\nfailed with exit code `1`. Check "
        "the stdout in the Dagster compute logs for the full information about the error, or view the "
        "dbt debug log: /repo/dbt_project/target/ledgerloop_dbt_models-4028e7a-d81/dbt.log.\n\n"
        "Errors parsed from dbt logs:\n\nDatabase Error in model ar_ledger (models/marts/ar_ledger.sql)\n"
        "  Binder Error: column x not found")
    assert describe_failure(message, None) == (
        "dbt could not build the ledger: Database Error in model ar_ledger (models/marts/ar_ledger.sql) "
        "(dbt's log: /repo/dbt_project/target/ledgerloop_dbt_models-4028e7a-d81/dbt.log)")


def test_a_failed_run_says_what_went_wrong_second(outcome):
    outcome.success, outcome.failure = False, "dbt could not build the ledger: Database Error"
    assert outcome.report().splitlines()[:2] == [
        "ledgerloop run 4028e7ae for 23 Nov 2026: FAILED after 2 min 20 s",
        "  what went wrong: dbt could not build the ledger: Database Error",
    ]


def test_summary_says_what_the_daily_limit_left_for_later_runs(outcome):
    assert not [line for line in outcome.report().splitlines() if "daily_limit" in line]
    outcome.outputs["outbox/dunning_drafts"]["held_by_reason"] = {"daily_limit": 23017, "contact_cap": 5}
    assert ("                                  waiting for a later run: 23,017 invoices also due, past "
            "today's limit of new notices (dunning.daily_limit)") in outcome.report().splitlines()


def test_statements_written_earlier_this_month_are_not_told_as_none(outcome, tmp_path):
    folder = tmp_path / "exports" / "statements" / "2026-11-02"
    outcome.outputs["exports/statements"] = {
        "skipped": f"this month's statements are in {folder}; force: true writes them again",
        "folder": str(folder), "accounts": 0, "files": 0}
    line = next(line for line in outcome.report().splitlines() if "Customer statements" in line)
    assert f"this month's are in {folder} (written by an earlier run" in line
    assert "0 accounts" not in line


def test_statements_written_by_this_run_are_counted(outcome, tmp_path):
    folder = tmp_path / "exports" / "statements" / "2026-11-23"
    outcome.outputs["exports/statements"] = {"accounts": 1234, "files": 2468, "folder": str(folder)}
    line = next(line for line in outcome.report().splitlines() if "Customer statements" in line)
    assert line.split(maxsplit=2)[2] == f"1,234 accounts in {folder}"
