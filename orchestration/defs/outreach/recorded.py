"""What the outreach assets record for the runs after them, declared so that dbt's sources
(`outbox.events`, `dunning.call_tasks`) show in the lineage. They are not outputs of
`outbox/dunning_drafts`: it runs after the marts that read them (the next run's worklist reads
this run's call tasks), and lineage has no cycles."""

import dagster as dg

recorded = [
    dg.AssetSpec(
        ["outbox", "events"], group_name="outreach",
        description="Every draft, approval and send of a dunning message (raw.outreach_events): drafted "
        "by outbox/dunning_drafts, approved and sent with `ledgerloop drafts` or the portal.",
    ),
    dg.AssetSpec(
        ["dunning", "call_tasks"], group_name="outreach",
        description="Calls the dunning sequence asks of collectors and managers "
        "(outreach.dunning_call_tasks), written by outbox/dunning_drafts; the next run's worklists "
        "show them.",
    ),
]

defs = dg.Definitions(assets=recorded)
