"""Jobs are asset selections."""

import dagster as dg

# Everything, in one process: step subprocesses cost seconds each and the graph is small.
refresh_ledger_job = dg.define_asset_job(
    "refresh_ledger_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest new files, rebuild the ledger and its aging, and run every check.",
)

ANSWERS = dg.AssetSelection.assets(["portal", "director_updates"], ["portal", "collector_entries"])
COLLECTOR_LISTS = dg.AssetSelection.assets(["portal", "collector_worklists"])
RISK_FEATURES = dg.AssetSelection.assets(["intermediate", "int_account_risk_features"])
RISK_SCORES = dg.AssetSelection.assets(["marts", "account_risk"])
DAILY_MODELS = RISK_FEATURES.downstream() & RISK_SCORES.upstream()
"""The features, the day's fit and the scores (on either engine: dbt's Python models on DuckDB, the
pipeline's asset on PostgreSQL), built by the refreshes, not per answer: the lists read the last
scores meanwhile, and the day's model is fitted on features a refresh built."""

ANSWER_LOOP_PRIORITY = "10"
"""The answer loop's place in the run queue (`dagster/priority`; refreshes have 0): a queued answer
loop starts before refreshes queued earlier, so an answer waits for the run under way at most,
not also for the refreshes that landing exports queued behind it."""

# A director's answer or a collector's entry on the lists within a minute: only what lies between
# the inboxes and the collectors' read models is rebuilt (with its tests), nothing people receive
# by mail or file, while the warehouse keeps one writer (runs queue, one at a time).
answer_loop_job = dg.define_asset_job(
    "answer_loop_job",
    selection=(ANSWERS.downstream() & COLLECTOR_LISTS.upstream()) - DAILY_MODELS,
    executor_def=dg.in_process_executor,
    tags={"dagster/priority": ANSWER_LOOP_PRIORITY},
    description=(
        "Take in the portal's new answers and entries and bring the collectors' lists and account "
        "timelines up to date (the ledger, cash application, promises, disputes and plans on the "
        "way); drafts, exports and alerts wait for the next refresh."
    ),
)

JOBS_WITH_SUITES = frozenset({refresh_ledger_job.name, answer_loop_job.name})
"""Jobs whose checks validate great-expectations suites (the raw invoices', the ledger's): their
runs start the validator's process first (`LedgerloopResource.yield_for_execution`), so the
import is done on the other core by the time a check asks."""
