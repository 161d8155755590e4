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
