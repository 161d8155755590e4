"""The portal store: the portal's own database, split by what it holds.

- `connection`: the connection factory (SQLite in WAL mode, or PostgreSQL by URL) and the
  `PortalStore` handle every part takes as its first argument;
- `tables`, `columns`, `schema`: the tables, their column types, the version and migrations;
- inboxes staff append to and the pipeline ingests: `director_updates`, `collector_entries`;
- read models the pipeline publishes: `director_jobs` (with the status choices and the published
  policy), `team` (roster, workload), `worklists` (collector accounts and items, the workbench
  state), `account_events` (timelines), and `workbench` (publishing them in one transaction);
- `link_versions` (revoking links) and `audit_log`.

Callers import the part they need: `director_jobs.for_director(store, email)`.
"""

from __future__ import annotations

from portal.store.connection import PortalStore, engine_for
from portal.store.schema import create_schema

__all__ = ["PortalStore", "connect"]


def connect(url: str, *, create: bool = True) -> PortalStore:
    """Open the store at `url` (sqlite:///path or postgresql+psycopg://...), creating or migrating
    its schema unless `create` is false."""
    store = PortalStore(engine_for(url))
    if create:
        create_schema(store)
    return store
