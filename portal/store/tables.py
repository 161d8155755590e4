"""Every table of the portal store, in one `metadata` (schema version 4; see `schema`).

The pipeline publishes the read models (`director_jobs`, `form_choices`, `published_policy`; the
collector workbench's `team_members`, `collector_items`, `collector_accounts`, `account_events`,
`team_workload`, `workbench_state`; the customer door's `customer_accounts`, `customer_contacts`,
`customer_invoices`) and ingests the inboxes (`director_updates`,
`collector_entries`); the portal keeps `director_links` and writes `audit_log`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from portal.store.columns import Money, RowId, UTCDateTime

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False),
)

director_jobs = Table(
    "director_jobs",
    metadata,
    Column("director_email", String(320), primary_key=True),
    Column("invoice_key", String(200), primary_key=True),
    Column("director_name", String(200), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("office", String(100), nullable=False),
    Column("account_name", String(300), nullable=False),
    Column("project", String(300), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", Money, nullable=False),
    Column("balance", Money, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("days_past_due", Integer),
    Column("aging_bucket", String(40), nullable=False),
    Column("stage", String(100), nullable=False),
    Column("collector", String(200), nullable=False),
    Column("question", Text),
    Column("last_answer", Text),
    Column("last_answer_at", UTCDateTime),
    # schema 3: the client (account) and its contact (contacts/account_contacts.csv)
    Column("account_id", String(300)),
    Column("contact_name", String(200)),
    Column("contact_email", String(320)),
    Column("contact_phone", String(60)),
)


inbox_tables: list[Table] = []
"""Every table people append to and a run reads, by an id that only grows: the inboxes
`_inbox_table` declares and the customers' remittance advices (a higher id is new to the run)."""


def _inbox_table(name: str, id_column: str, *columns: Column, indexes: tuple[Index, ...] = ()) -> Table:
    """A table staff append to and the pipeline ingests by id: ids are never reused (so the
    pipeline's watermark is safe) and a submission is stored once."""
    table = Table(
        name,
        metadata,
        Column(id_column, RowId, primary_key=True, autoincrement=True),
        Column("submission_id", String(64), nullable=False),
        *columns,
        Column("submitted_at", UTCDateTime, nullable=False),
        UniqueConstraint("submission_id", name=f"uq_{name}_submission_id"),
        *indexes,
        sqlite_autoincrement=True,
    )
    inbox_tables.append(table)
    return table


director_updates = _inbox_table(
    "director_updates",
    "update_id",
    Column("director_email", String(320), nullable=False),
    Column("invoice_key", String(200), nullable=False),
    Column("status", String(100), nullable=False),
    Column("note", Text),
    Column("expected_payment_date", Date),
    Column("promised_amount", Money),
    Column("dispute_reason", Text),
    Column("blocker", Text),
    Column("answer_group", String(64)),  # schema 3: the form's submission id, shared by its invoices
    indexes=(Index("ix_director_updates_director", "director_email"),),
)

# Link versions per person, whatever their role (director, collector, manager): bumping one
# revokes every link and session of that person.
director_links = Table(
    "director_links",
    metadata,
    Column("director_email", String(320), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", RowId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("detail", Text, nullable=False),
    Column("account_id", String(200)),  # schema 2 (contract C5)
    Index("ix_audit_log_account_id", "account_id"),
    Index("ix_audit_log_actor", "actor"),
    sqlite_autoincrement=True,
)

# The collector workbench (schema 2) ------------------------------------------------------------
team_members = Table(
    "team_members",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("role", String(20), primary_key=True),  # collector | manager
    Column("name", String(200), nullable=False),
    Column("office", String(100)),  # a manager without one oversees every office
)

collector_items = Table(
    "collector_items",
    metadata,
    Column("collector", String(200), primary_key=True),
    Column("item_key", String(300), primary_key=True),
    Column("collector_email", String(320)),  # null for a collector not on the roster
    Column("collector_office", String(100)),
    Column("rank", Integer, nullable=False),
    Column("invoice_key", String(200)),
    Column("payment_id", String(300)),
    Column("account_id", String(300)),
    Column("account_name", String(300)),
    Column("invoice_number", String(100)),
    Column("currency", String(3)),
    Column("balance", Money),
    Column("days_past_due", Integer),
    Column("aging_bucket", String(40)),
    Column("reason", String(100)),
    Column("next_action", Text),
    Column("due_by", Date),
    Column("priority_score", Money),
    Column("drivers", Text, nullable=False),  # JSON list of {driver, value, points}
    Column("reasons", Text),  # schema 3: JSON list of {reason, due_by}, every reason that holds
    Column("source_number", String(100)),  # schema 3: the source's spelling where it differs
    Column("due_date", Date),  # schema 3
    Column("notes", Text),  # schema 3: the invoice's promise, dispute, plan, director answer in words
    Index("ix_collector_items_email", "collector_email"),
    Index("ix_collector_items_account", "account_id"),
)

# Schema 3: each collector's ranked accounts (marts.collector_worklist), the items above under them.
collector_accounts = Table(
    "collector_accounts",
    metadata,
    Column("collector", String(200), primary_key=True),
    Column("item_key", String(300), primary_key=True),  # the account id, or payment:<id>
    Column("collector_email", String(320)),
    Column("collector_office", String(100)),
    Column("rank", Integer, nullable=False),
    Column("account_id", String(300)),
    Column("account_name", String(300)),
    Column("payment_id", String(300)),
    Column("contact_name", String(300)),
    Column("contact_email", String(320)),
    Column("contact_phone", String(100)),
    Column("open_invoices", Integer, nullable=False),
    Column("open_balances", Text),
    Column("days_past_due", Integer),
    Column("reason", String(100), nullable=False),
    Column("next_action", Text, nullable=False),
    Column("due_by", Date),
    Column("priority_score", Money, nullable=False),
    Column("drivers", Text, nullable=False),  # JSON list of {driver, label, points}
    Column("notes", Text),
    Column("days_since_contact", Integer),
    Index("ix_collector_accounts_email", "collector_email"),
    Index("ix_collector_accounts_account", "account_id"),
)

# Schema 3: what the published worklists reflect (one row): the entries they already count and
# the policy the portal needs to show a new entry's next action before the next run.
workbench_state = Table(
    "workbench_state",
    metadata,
    Column("state_id", Integer, primary_key=True),
    Column("as_of_date", Date, nullable=False),
    Column("entries_through", BigInteger, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("policy", Text, nullable=False),  # JSON: next_actions, promise_due_within_days, ...
)

account_events = Table(
    "account_events",
    metadata,
    Column("account_id", String(300), primary_key=True),
    Column("sequence_number", BigInteger, primary_key=True),
    Column("account_name", String(300)),
    Column("occurred_at", UTCDateTime),
    Column("kind", String(60), nullable=False),
    Column("invoice_key", String(200)),
    Column("payment_id", String(300)),
    Column("amount", Money),
    Column("currency", String(3)),
    Column("actor", String(320)),
    Column("detail", Text),
)

team_workload = Table(
    "team_workload",
    metadata,
    Column("collector", String(200), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("collector_email", String(320)),
    Column("collector_office", String(100)),
    Column("open_items", Integer, nullable=False),
    Column("open_balance", Money, nullable=False),
    Column("past_due_items", Integer, nullable=False),
    Column("past_due_balance", Money, nullable=False),
    Column("updates_last_7_days", Integer, nullable=False),
    Column("updates_last_30_days", Integer, nullable=False),
    Column("applications_last_7_days", Integer, nullable=False),
    Column("applications_last_30_days", Integer, nullable=False),
    Column("coverage_gap_accounts", Integer, nullable=False),
    Column("collector_open_items", Integer, nullable=False),
    Column("reassignment_hint", Text),
    Column("as_of_date", Date),
    Column("team_mean_open_items", Money),  # schema 3: the load rule's numbers
    Column("load_ratio", Money),
)

collector_entries = _inbox_table(
    "collector_entries",
    "entry_id",
    Column("collector_email", String(320), nullable=False),
    Column("collector", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("account_id", String(300), nullable=False),
    Column("invoice_key", String(200)),
    Column("note", Text),
    Column("call_outcome", String(30)),
    Column("currency", String(3)),
    Column("promised_amount", Money),
    Column("promised_date", Date),
    Column("dispute_reason", Text),
    Column("dispute_evidence", Text),
    Column("dispute_deadline", Date),
    Column("resolution", Text),
    Column("plan_installments", Text),  # JSON: [{"due_on": "YYYY-MM-DD", "amount": "123.45"}, ...]
    Column("entered_by", String(20)),  # schema 4: "customer" for the customer door's; null: a collector's
    Column("invoice_keys", Text),  # schema 5: JSON list of the invoices a promise covers (two or more)
    Column("accepted_amount", Money),  # schema 5: the short payment's difference a customer accepted
    indexes=(Index("ix_collector_entries_account", "account_id"),),
)

# What the pipeline publishes from the policy for the portal's pages (schema 3): `time_zone`
# (times on pages), `answer_stands_days` (how long a director's answer stands).
published_rows = Table(
    "published_rows",
    metadata,
    Column("table_name", String(64), primary_key=True),
    Column("row_key", String(700), primary_key=True),  # JSON list of the row's key values
    # Schema 6: the warehouse's fingerprint of what the row was made from (DuckDB `hash`), so a
    # publish finds what changed without reading the published rows back.
    Column("fingerprint", String(24), nullable=False),
)

published_policy = Table(
    "published_policy",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

form_choices = Table(
    "form_choices",
    metadata,
    Column("field", String(64), primary_key=True),
    Column("value", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
)


# The customer door (schema 4) -------------------------------------------------------------------
# The accounts whose contacts may hold a link (contacts/account_contacts.csv), each with what its
# pages show: the collector to contact and the statement (JSON, rendered by notifications.statements).
customer_accounts = Table(
    "customer_accounts",
    metadata,
    Column("account_id", String(300), primary_key=True),
    Column("account_name", String(300), nullable=False),
    Column("as_of_date", Date, nullable=False),
    Column("collector", String(200)),
    Column("collector_email", String(320)),
    Column("statement", Text, nullable=False),
    Column("policy", Text, nullable=False),  # JSON: dispute reasons, resolution days
)

customer_contacts = Table(
    "customer_contacts",
    metadata,
    Column("account_id", String(300), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("contact_name", String(200)),
)

# Open invoices and those settled in the last 12 months, numbers as the office writes them.
customer_invoices = Table(
    "customer_invoices",
    metadata,
    Column("account_id", String(300), primary_key=True),
    Column("invoice_key", String(200), primary_key=True),
    Column("invoice_number", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", Money, nullable=False),
    Column("balance", Money, nullable=False),
    Column("invoice_date", Date),
    Column("due_date", Date),
    Column("days_past_due", Integer),
    Column("status", String(10), nullable=False),  # open | paid
    Column("settled_on", Date),
    Column("office", String(100)),  # the office code (its pay-now link)
    # schema 5: the invoice's copy, where the source gives one: an https:// address, or a PDF under
    # documents/ (`<office>/<name>.pdf`) and the SHA-256 of the bytes the pipeline checked
    Column("document_url", Text),
    Column("document_file", String(500)),
    Column("document_sha256", String(64)),
    # schema 5: what a short payment within the matching tolerance left open (the customer may
    # accept it), and the day that payment came
    Column("discrepancy", Money),
    Column("discrepancy_paid_on", Date),
)

# Remittance advices customers uploaded, with the invoice list read from them; the pipeline turns a
# list into a cash decision once a payment of that account matches it (orchestration/cash).
customer_remittances = Table(
    "customer_remittances",
    metadata,
    Column("remittance_id", RowId, primary_key=True, autoincrement=True),
    Column("account_id", String(300), nullable=False),
    Column("contact_email", String(320), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("stored_name", String(200), nullable=False),
    Column("invoices", Text, nullable=False),  # JSON: [{"invoice": "INV-1", "amount": "100.00" | null}]
    Column("submitted_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "sha256", name="uq_customer_remittances_file"),
    sqlite_autoincrement=True,
)
inbox_tables.append(customer_remittances)
