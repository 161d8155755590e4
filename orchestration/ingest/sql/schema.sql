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
