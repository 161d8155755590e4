-- Tables the ingest assets write. `raw` holds rows as received, typed and validated;
-- `quarantine` holds every row that could not be loaded, and why.
create schema if not exists raw;
create schema if not exists quarantine;

create table if not exists raw.ingested_files (
    file_sha256 varchar primary key,       -- content hash: a file is processed once
    source varchar not null,
    file_name varchar not null,
    archived_path varchar,
    status varchar not null,               -- loaded | rejected | empty
    rows_read integer not null,
    rows_loaded integer not null,
    rows_quarantined integer not null,
    footer_lines integer not null,
    encoding varchar,
    exported_at timestamp,                 -- when the source produced the file (UTC)
    error varchar,
    ingested_at timestamp not null
);

create table if not exists raw.salesforce_invoices (
    invoice_number varchar not null,
    office varchar not null,               -- office code from the policy
    account_name varchar not null,
    account_id varchar,
    project varchar,
    project_director varchar,
    director_email varchar,
    collector varchar,
    invoice_date date,
    due_date date not null,
    currency varchar,
    amount decimal(18, 2) not null,
    balance decimal(18, 2) not null,
    stage varchar,
    last_modified_at timestamp,            -- UTC
    _source_file varchar not null,
    _file_sha256 varchar not null,
    _row_number integer not null,
    _exported_at timestamp not null,
    _loaded_at timestamp not null
);

-- The invoice's document (an https:// address of its PDF) where the export maps one; added after
-- the table first shipped, so existing warehouses gain it here (last, as the load inserts it).
alter table raw.salesforce_invoices add column if not exists document_url varchar;

-- Invoice copies kept as PDFs in documents/<office>/<invoice number>.pdf, the folder as the last
-- run found it (replaced each run): `problem` says why a file is not served (null: it is).
create table if not exists raw.invoice_documents (
    office varchar,                        -- office code of the folder; null: not an office
    invoice_number varchar not null,       -- the file name without .pdf
    relative_path varchar not null,        -- <folder>/<file name> under documents/
    size_bytes bigint not null,
    sha256 varchar,                        -- of the bytes the portal may serve
    modified_at timestamp not null,        -- UTC
    problem varchar,
    _loaded_at timestamp not null
);

create table if not exists raw.tracker_invoices (
    office varchar not null,
    invoice_number varchar not null,
    account_name varchar,
    amount decimal(18, 2),
    due_date date,
    stage varchar,
    notes varchar,
    updated_at timestamp,                  -- UTC
    updated_by varchar,
    _source_file varchar not null,
    _file_sha256 varchar not null,
    _row_number integer not null,
    _exported_at timestamp not null,
    _loaded_at timestamp not null
);

create table if not exists quarantine.rejected_rows (
    source varchar not null,
    source_file varchar not null,
    row_number integer,                    -- header is row 1; null when the file as a whole failed
    field varchar,
    reason varchar not null,
    raw_record json,
    rejected_at timestamp not null,
    file_sha256 varchar not null
);

-- Director answers from the portal store, each ingested once: update_id is the store's own
-- id and the ingest watermark.
create table if not exists raw.director_updates (
    update_id bigint primary key,
    submission_id varchar not null,
    director_email varchar not null,
    invoice_key varchar not null,
    status varchar not null,
    note varchar,
    expected_payment_date date,
    promised_amount decimal(18, 2),
    dispute_reason varchar,
    blocker varchar,
    submitted_at timestamp not null,       -- UTC
    _loaded_at timestamp not null
);

-- Payment files (landing/payments: bank CSV, BAI2, camt.053/054). Every entry of a file is in
-- exactly one of raw.payments (receipts), raw.payment_non_receipts or quarantine.rejected_rows.
-- raw.ingested_files counts both raw tables as loaded; raw.payment_files has the split.
create table if not exists raw.payments (
    payment_id varchar not null,          -- bank's own reference or the deterministic key
    bank_transaction_id varchar,          -- Bank Transaction ID / AcctSvcrRef / BAI2 bank ref
    statement_account varchar,
    received_on date not null,
    amount decimal(18, 2) not null,       -- positive: receipts only
    currency varchar not null,
    payer varchar,
    reference varchar,                    -- all remittance text, structured refs first, joined by ' '
    format varchar not null,              -- bank_csv | bai2 | camt053 | camt054
    _source_file varchar not null,
    _file_sha256 varchar not null,
    _row_number integer not null,         -- record/entry position in the file
    _loaded_at timestamp not null,
    tx_index integer not null,            -- transaction within a camt entry (1 elsewhere)
    transaction_code varchar              -- BAI2 type code or camt bank transaction code
);

create table if not exists raw.payment_non_receipts (
    bank_transaction_id varchar,
    statement_account varchar,
    booked_on date not null,
    amount decimal(18, 2) not null,       -- signed: debits negative
    currency varchar not null,
    counterparty varchar,
    reference varchar,
    reason varchar not null,              -- debit | reversal | reversed credit | return | reject ...
    reverses varchar,                     -- a reversal: bank reference of the credit it cancels
    transaction_code varchar,
    format varchar not null,
    _source_file varchar not null,
    _file_sha256 varchar not null,
    _row_number integer not null,
    _loaded_at timestamp not null,
    tx_index integer not null
);

create table if not exists raw.payment_files (
    file_sha256 varchar primary key,
    file_name varchar not null,
    format varchar,                       -- null when the file was rejected before parsing
    rows_read integer not null,           -- = receipts + non_receipts + quarantined
    receipts integer not null,
    non_receipts integer not null,
    quarantined integer not null,
    ingested_at timestamp not null
);

-- Collector entries from the portal workbench, each ingested once: entry_id is the store's own
-- id and the ingest watermark (contract C2).
create table if not exists raw.collector_entries (
    entry_id bigint primary key,            -- the store's id; the ingest watermark
    submission_id varchar not null,         -- idempotency key of the form post
    collector_email varchar not null,
    collector varchar not null,             -- roster name (matches ar_ledger.collector)
    kind varchar not null,                  -- note | call | promise | dispute | dispute_resolution | plan
    account_id varchar not null,
    invoice_key varchar,                    -- required for dispute and dispute_resolution; optional for promise; null for plan
    note varchar,                           -- free text (all kinds)
    call_outcome varchar,                   -- call: reached | voicemail | no_answer | wrong_number
    currency varchar,                       -- promise and plan
    promised_amount decimal(18, 2),         -- promise
    promised_date date,                     -- promise
    dispute_reason varchar,                 -- dispute (required)
    dispute_evidence varchar,               -- dispute (required: text or a file reference)
    dispute_deadline date,                  -- dispute (required: resolution deadline)
    resolution varchar,                     -- dispute_resolution (required)
    plan_installments json,                 -- plan: [{"due_on": "YYYY-MM-DD", "amount": "123.45"}, ...] sorted by date
    submitted_at timestamp not null,        -- UTC
    _loaded_at timestamp not null
);
-- Who entered it: 'customer' at the customer door (collector_email is then the contact's), null
-- for a collector. Added after the table first shipped, so existing warehouses gain it here.
alter table raw.collector_entries add column if not exists entered_by varchar;
-- A promise over a chosen set of two or more invoices: their keys (JSON list; invoice_key null).
alter table raw.collector_entries add column if not exists invoice_keys json;
-- A discrepancy: the difference a short payment left on invoice_key that the customer accepted.
alter table raw.collector_entries add column if not exists accepted_amount decimal(18, 2);

-- Outreach events (drafted, approved, sent) written by the dunning assets; read by the
-- account timeline.
create table if not exists raw.outreach_events (
    event_id varchar primary key,
    account_id varchar,
    invoice_key varchar,
    channel varchar,                        -- email | sms | letter | ...
    kind varchar not null,                  -- drafted | approved | sent
    subject varchar,
    occurred_at timestamp not null,         -- UTC
    actor varchar
);

-- Failed data-quality checks, written by the Dagster run; read by marts.alerts.
create table if not exists raw.check_failures (
    check_name varchar not null,
    asset_key varchar,
    severity varchar,                       -- WARN | ERROR
    description varchar,
    failed_at timestamp not null,           -- UTC
    run_id varchar
);

-- Invoice history exported from another system (landing/history/, `sources.history`): settled
-- and open invoices for the risk features and monthly KPIs.
create table if not exists raw.history_invoices (
    account_id varchar not null,
    invoice_number varchar not null,
    office varchar not null,               -- office code from the policy
    invoice_date date not null,
    due_date date not null,
    amount decimal(18, 2) not null,
    currency varchar not null,
    is_disputed boolean not null,
    settled_on date,                       -- null while open
    _source_file varchar not null,
    _file_sha256 varchar not null,
    _row_number integer not null,
    _exported_at timestamp not null,
    _loaded_at timestamp not null
);

-- The manual cash-application decisions (`ledgerloop payments resolve|unapply`, customers'
-- remittance advices), loaded whole from decisions/payment_decisions.jsonl by each run before dbt:
-- one row per invoice a decision names, one without an invoice for an `unapply`.
create table if not exists raw.payment_decisions (
    decision_id varchar not null,
    payment_id varchar not null,
    action varchar not null,               -- resolve | unapply
    position integer not null,             -- the invoice's place in the decision, from 1
    invoice_reference varchar,             -- as the person typed it; null for unapply
    amount varchar,                        -- as written; null: the invoice's open balance
    decided_by varchar not null,
    decided_at varchar not null            -- UTC, ISO 8601 without offset
);

-- Earlier releases gave a file rejected whole (unreadable, a duplicated column) the line of its
-- problem as a row number, which no count of rows could reconcile, so every later run failed
-- its reconcile check. The file's row has no row number; the line is in the reason.
update quarantine.rejected_rows set row_number = null
where row_number is not null
    and file_sha256 in (
        select file_sha256 from raw.ingested_files where status = 'rejected' and rows_read = 0
    );
