"""Jobs are asset selections."""

import dagster as dg

# Everything, in one process: step subprocesses cost seconds each and the graph is small.
refresh_ledger_job = dg.define_asset_job(
    "refresh_ledger_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest new files, rebuild the ledger and its aging, and run every check.",
)
