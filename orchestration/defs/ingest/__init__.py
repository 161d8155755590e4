"""Ingest wiring: landing files, payment files, the history export, customer contacts, invoice
copies, cash decisions and the portal store's inboxes into `raw`, each with its checks and sensors."""

import dagster as dg

from orchestration.defs.ingest import (
    collector_entries,
    contacts,
    decisions,
    director_updates,
    documents,
    history,
    invoices,
    payments,
)

defs = dg.Definitions.merge(
    invoices.defs, history.defs, payments.defs, director_updates.defs, collector_entries.defs, contacts.defs,
    documents.defs, decisions.defs,
)
