"""The Dagster code location: thin wiring. Each part exposes its `Definitions`; assets call the
plain, Dagster-free domain packages of `orchestration/` (ingest, outreach, dunning, risk,
reporting, cash, policy, storage)."""
