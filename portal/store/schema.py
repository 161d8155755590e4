"""The portal store's schema version and its migrations, applied in place when a store opens.

Versions: 1 (director portal), 2 (collector workbench: `team_members`, `collector_items`,
`account_events`, `team_workload`, `collector_entries`, and `audit_log.account_id`), 3 (the
client and contact on each director job, answers that cover several invoices,
`published_policy`, the load rule on `team_workload`; worklists per account:
`collector_accounts`, `workbench_state`, and `collector_items.reasons`, `source_number`,
`due_date`, `notes`), 4 (the customer door: `customer_accounts`, `customer_contacts`,
`customer_invoices`, `customer_remittances`; `collector_entries.entered_by`), 5 (invoice copies:
`customer_invoices.document_url`, `document_file`, `document_sha256`; a promise over a chosen set
of invoices: `collector_entries.invoice_keys`; a short payment's difference the customer may accept:
`customer_invoices.discrepancy`, `discrepancy_paid_on`, `collector_entries.accepted_amount`), 6
(publishing what changed: `published_rows`, the fingerprint of each published read-model row).
"""

from __future__ import annotations

from sqlalchemy import func, insert, inspect, select

from portal.store import tables
from portal.store.columns import utcnow
from portal.store.connection import PortalStore

SCHEMA_VERSION = 6


class SchemaTooNew(RuntimeError):
    """The store was created by a newer portal than this one."""


def create_schema(store: PortalStore) -> int:
    """Create missing tables and record the schema version; refuse a store from a newer portal."""
    with store.writer.begin() as conn:
        tables.metadata.create_all(conn)
        current = conn.execute(select(func.max(tables.schema_version.c.version))).scalar()
        if current is not None and current > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"portal store schema version {current} is newer than this portal's {SCHEMA_VERSION}"
            )
        if current is not None and current < 2:
            _migrate_1_to_2(conn)
        if current is not None and current < 3:
            _migrate_2_to_3(conn)
        if current is not None and current < 4:
            _migrate_3_to_4(conn)
        if current is not None and current < 5:
            _migrate_4_to_5(conn)
        # 5 -> 6 adds a table (`create_all` made it): nothing to change in place.
        if current is None or current < SCHEMA_VERSION:
            conn.execute(insert(tables.schema_version).values(version=SCHEMA_VERSION, applied_at=utcnow()))
    return SCHEMA_VERSION


def recorded_version(store: PortalStore) -> int | None:
    """The version recorded in the store, or None before `create_schema`."""
    with store.engine.connect() as conn:
        return conn.execute(select(func.max(tables.schema_version.c.version))).scalar()


def _migrate_1_to_2(conn) -> None:
    """Version 1 -> 2, in the caller's transaction: the workbench tables are new (`create_all`
    made them); the audit log gains `account_id` and its indexes by account and by actor."""
    columns = {c["name"] for c in inspect(conn).get_columns("audit_log")}
    if "account_id" not in columns:
        conn.exec_driver_sql("ALTER TABLE audit_log ADD COLUMN account_id VARCHAR(200)")
    for index in tables.audit_log.indexes:
        index.create(conn, checkfirst=True)


_COLUMNS_OF_3 = {  # (table, column): its DDL, written out (no SQL is built from strings)
    ("director_jobs", "account_id"): "ALTER TABLE director_jobs ADD COLUMN account_id VARCHAR(300)",
    ("director_jobs", "contact_name"): "ALTER TABLE director_jobs ADD COLUMN contact_name VARCHAR(200)",
    ("director_jobs", "contact_email"): "ALTER TABLE director_jobs ADD COLUMN contact_email VARCHAR(320)",
    ("director_jobs", "contact_phone"): "ALTER TABLE director_jobs ADD COLUMN contact_phone VARCHAR(60)",
    ("director_updates", "answer_group"): "ALTER TABLE director_updates ADD COLUMN answer_group VARCHAR(64)",
    ("team_workload", "team_mean_open_items"):
        "ALTER TABLE team_workload ADD COLUMN team_mean_open_items VARCHAR(40)",
    ("team_workload", "load_ratio"): "ALTER TABLE team_workload ADD COLUMN load_ratio VARCHAR(40)",
    ("collector_items", "reasons"): "ALTER TABLE collector_items ADD COLUMN reasons TEXT",
    ("collector_items", "source_number"): "ALTER TABLE collector_items ADD COLUMN source_number VARCHAR(100)",
    ("collector_items", "due_date"): "ALTER TABLE collector_items ADD COLUMN due_date DATE",
    ("collector_items", "notes"): "ALTER TABLE collector_items ADD COLUMN notes TEXT",
}


def _migrate_2_to_3(conn) -> None:
    """Version 2 -> 3, in the caller's transaction: new nullable columns on tables that exist
    (`create_all` made `published_policy`, `collector_accounts` and `workbench_state`), and the
    index of answers by director."""
    _add_columns(conn, _COLUMNS_OF_3)
    for index in tables.director_updates.indexes:
        index.create(conn, checkfirst=True)


def _migrate_3_to_4(conn) -> None:
    """Version 3 -> 4, in the caller's transaction: the customer door's tables are new
    (`create_all` made them); collector entries say who entered them."""
    if "entered_by" not in {c["name"] for c in inspect(conn).get_columns("collector_entries")}:
        conn.exec_driver_sql("ALTER TABLE collector_entries ADD COLUMN entered_by VARCHAR(20)")


_COLUMNS_OF_5 = {  # (table, column): its DDL, written out (no SQL is built from strings)
    ("collector_entries", "invoice_keys"): "ALTER TABLE collector_entries ADD COLUMN invoice_keys TEXT",
    ("collector_entries", "accepted_amount"):
        "ALTER TABLE collector_entries ADD COLUMN accepted_amount VARCHAR(40)",
    ("customer_invoices", "discrepancy"): "ALTER TABLE customer_invoices ADD COLUMN discrepancy VARCHAR(40)",
    ("customer_invoices", "discrepancy_paid_on"):
        "ALTER TABLE customer_invoices ADD COLUMN discrepancy_paid_on DATE",
    ("customer_invoices", "document_url"): "ALTER TABLE customer_invoices ADD COLUMN document_url TEXT",
    ("customer_invoices", "document_file"):
        "ALTER TABLE customer_invoices ADD COLUMN document_file VARCHAR(500)",
    ("customer_invoices", "document_sha256"):
        "ALTER TABLE customer_invoices ADD COLUMN document_sha256 VARCHAR(64)",
}


def _migrate_4_to_5(conn) -> None:
    """Version 4 -> 5, in the caller's transaction: new nullable columns on tables that exist."""
    _add_columns(conn, _COLUMNS_OF_5)


def _add_columns(conn, columns: dict[tuple[str, str], str]) -> None:
    """Run each column's DDL unless the table has the column already."""
    for (table, column), ddl in columns.items():
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(ddl)
