"""What `ledgerloop run` says while it runs: a line at once, a line per finished step with what it
did, a status line on a terminal and a "still working" line on a pipe when a step runs long."""

from __future__ import annotations

import io
import time

from orchestration.cli.run_progress import RunProgress, StepEvent, StepPlan

PLAN = {
    "salesforce__invoices": StepPlan("Salesforce invoices", 2),
    "ledgerloop_dbt_models": StepPlan("Building the ledger (dbt)", 5),
    "exports__worklists": StepPlan("Writing each collector's worklist"),
}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def progress(live: bool = False, **kwargs):
    stream, clock = io.StringIO(), Clock()
    return RunProgress(stream, live=live, clock=clock, **kwargs), stream, clock


def events(reporter: RunProgress, clock: Clock, step: str, *more: StepEvent, seconds: float = 1.5):
    reporter.event(StepEvent("start", step))
    for event in more:
        reporter.event(event)
    clock.now += seconds
    reporter.event(StepEvent("success", step))


def test_the_first_line_comes_at_once_and_says_what_is_happening():
    reporter, stream, _ = progress()
    reporter.phase("Loading Dagster and the dbt project")
    assert stream.getvalue() == "[0:00] Loading Dagster and the dbt project ...\n"
    reporter.close()


def test_each_finished_step_gets_a_line_with_what_it_did():
    reporter, stream, clock = progress()
    reporter.start(PLAN)
    clock.now += 21
    events(reporter, clock, "salesforce__invoices", StepEvent("materialized", "salesforce__invoices", {
        "files_processed": 6, "rows_loaded": 1479, "rows_quarantined": 4}),
        StepEvent("checked", "salesforce__invoices"), seconds=1.3)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "[0:00] Running 3 steps",
        "[0:00] Dagster records the run's plan ...",
        "[0:22]  1/3 Salesforce invoices: 6 new files, 1,479 rows taken in, 4 set aside (1.3 s)",
    ]


def test_the_dbt_step_counts_tables_and_tests_and_names_a_failed_test():
    reporter, stream, clock = progress()
    reporter.start(PLAN)
    built = [StepEvent("materialized", "ledgerloop_dbt_models")] * 3
    tests = [StepEvent("checked", "ledgerloop_dbt_models"),
             StepEvent("checked", "ledgerloop_dbt_models", passed=False, blocking=True,
                       message="invoice_key is filled in on every row of ar_ledger.")]
    events(reporter, clock, "ledgerloop_dbt_models", *built, *tests, seconds=70)
    assert stream.getvalue().splitlines()[2:] == [
        "[1:10]  1/3 Building the ledger (dbt): 3 tables built, 1 test passed, 1 failed (70.0 s)",
        "         check failed: invoice_key is filled in on every row of ar_ledger. (blocking)",
    ]


def test_a_failed_step_says_why_and_the_steps_it_stopped_are_counted_once():
    reporter, stream, clock = progress()
    reporter.start(PLAN)
    reporter.event(StepEvent("start", "salesforce__invoices"))
    reporter.event(StepEvent("failure", "salesforce__invoices", message="/h/warehouse.duckdb is held by X"))
    reporter.event(StepEvent("skipped", "ledgerloop_dbt_models"))
    reporter.event(StepEvent("skipped", "exports__worklists"))
    reporter.close()
    assert stream.getvalue().splitlines()[2:] == [
        "[0:00]  1/3 FAILED Salesforce invoices: /h/warehouse.duckdb is held by X",
        "[0:00] 2 step(s) not run because a step before them failed",
    ]


def test_on_a_terminal_a_status_line_shows_the_running_step_and_its_count():
    reporter, stream, clock = progress(live=True)
    reporter.start(PLAN)
    reporter.event(StepEvent("start", "ledgerloop_dbt_models"))
    reporter.event(StepEvent("materialized", "ledgerloop_dbt_models"))
    clock.now += 12
    reporter.event(StepEvent("checked", "ledgerloop_dbt_models"))
    status = stream.getvalue().rsplit("\r\x1b[K", 1)[-1]
    assert status == "[0:12] step 1/3 Building the ledger (dbt): 2 of 5 done (12 s)"
    reporter.close()
    assert stream.getvalue().endswith("\r\x1b[K")  # the summary starts on a clean line


def test_on_a_pipe_a_long_step_says_it_is_still_working():
    stream = io.StringIO()
    reporter = RunProgress(stream, live=False, heartbeat=0.5)
    reporter.phase("Loading Dagster and the dbt project")
    time.sleep(1.3)  # the ticker looks once a second
    reporter.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[0:00] Loading Dagster and the dbt project ..."
    assert lines[1].startswith("[0:01] ... still working: Loading Dagster and the dbt project (1 s)")


def test_silent_progress_writes_nothing_and_takes_every_event():
    reporter = RunProgress(None)
    reporter.phase("Loading")
    reporter.start(PLAN)
    reporter.event(StepEvent("start", "unknown_step"))
    reporter.event(StepEvent("success", "unknown_step"))
    reporter.close()


def test_files_read_whole_every_run_say_what_they_hold_not_new_files():
    """Contacts, invoice copies and cash decisions are the people's own files, read whole each run:
    "0 new files, 115,526 rows taken in" was not true of them."""
    plan = {
        "contacts__account_contacts": StepPlan("Customer contacts"),
        "documents__invoice_documents": StepPlan("Invoice copies"),
        "payments__decisions": StepPlan("Cash decisions"),
    }
    reporter, stream, clock = progress()
    reporter.start(plan)
    for step, metadata in (
        ("contacts__account_contacts", {"file_found": True, "rows_loaded": 577, "contacts": 577}),
        ("documents__invoice_documents", {"files": 3, "servable": 2, "refused": 1}),
        ("payments__decisions", {"file_found": False, "decisions": 0}),
    ):
        events(reporter, clock, step, StepEvent("materialized", step, metadata), seconds=0.1)
    assert stream.getvalue().splitlines()[2:] == [
        "[0:00]  1/3 Customer contacts: 577 contacts on file (0.1 s)",
        "[0:00]  2/3 Invoice copies: 3 copies on file, 1 refused (0.1 s)",
        "[0:00]  3/3 Cash decisions: 0 decisions on file (0.1 s)",
    ]


def test_a_step_whose_end_was_not_heard_live_gets_its_line_from_the_run_log_once():
    reporter, stream, clock = progress()
    reporter.start(PLAN)
    events(reporter, clock, "salesforce__invoices")
    reporter.event(StepEvent("start", "exports__worklists", at=1000.0))
    reporter.unheard(RuntimeError("listener failed"))  # the end of the last step went unheard
    log = [StepEvent("start", "salesforce__invoices", at=990.0),
           StepEvent("success", "salesforce__invoices", at=991.5),
           StepEvent("start", "ledgerloop_dbt_models", at=992.0),
           StepEvent("skipped", "ledgerloop_dbt_models", at=992.0),
           StepEvent("start", "exports__worklists", at=1000.0),
           StepEvent("success", "exports__worklists", at=1002.25)]
    reporter.catch_up(log)
    reporter.catch_up(log)  # a second look adds nothing
    reporter.close()
    lines = stream.getvalue().splitlines()[2:]
    assert lines == [
        "[0:01]  1/3 Salesforce invoices: 0 tables built, 0 tests passed (1.5 s)",
        "[0:01]  3/3 Writing each collector's worklist (2.2 s)",  # Dagster's own times
        "[0:01] 1 event could not be shown live (RuntimeError: listener failed)",
        "[0:01] 1 step(s) not run because a step before them failed",
    ]


def test_elapsed_counts_from_the_command_start_for_the_summary_headline():
    reporter, _, clock = progress()
    clock.now += 4.5  # loading Dagster and dbt's project, before the run's first step
    reporter.start(PLAN)
    clock.now += 20.0
    assert reporter.elapsed() == 24.5
