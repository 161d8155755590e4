-- Dunning state, kept in its own schema `outreach`: rows the pipeline itself decides (not rows
-- received from a source, which is what `raw` holds), that must survive every dbt build (dbt
-- never owns this schema) and that dbt models read as sources (the worklist reads
-- outreach.dunning_call_tasks, staging the contacts). Written only by orchestration/dunning;
-- created with the warehouse (orchestration/storage/warehouse.py), so dbt finds every table on
-- the first run.
create schema if not exists outreach;

-- How to reach a customer account: a contact export loaded here (or rows typed in by staff).
create table if not exists outreach.account_contacts (
    account_id varchar primary key,
    contact_name varchar,
    email varchar,
    phone varchar,                          -- E.164, e.g. +12125550100
    address_lines varchar,                  -- postal address, one line per line
    time_zone varchar,                      -- IANA name; null: the office's time zone
    customer_type varchar,                  -- e.g. enterprise | smb | public (segments match on it)
    updated_at timestamp
);

-- One row per notice drafted: one per customer, channel and run, covering all its due invoices.
create table if not exists outreach.dunning_notices (
    notice_id varchar primary key,
    run_on date not null,                   -- the run's as-of date
    account_id varchar not null,
    channel varchar not null,               -- email | sms | letter | call_task | escalation
    segment varchar,
    step_name varchar,
    template varchar,
    tone varchar,
    recipient varchar,
    subject varchar,
    scheduled_at timestamp not null,        -- UTC: the sending window's opening in the customer's zone
    scheduled_on date not null,             -- the same moment's local date (the contact cap counts these)
    outbox_ident varchar,                   -- <channel>:<date>/<name> as `ledgerloop drafts list` shows it
    invoice_keys varchar not null,          -- comma-separated
    policy_sha256 varchar not null,
    created_at timestamp not null
);

-- Which step each invoice has received: (invoice, step) once, so a re-run never drafts a step twice.
create table if not exists outreach.dunning_steps (
    invoice_key varchar not null,
    step_index integer not null,            -- 0-based position in the segment's sequence
    account_id varchar not null,
    segment varchar not null,
    step_name varchar not null,
    channel varchar not null,
    notice_id varchar not null,
    run_on date not null,
    primary key (invoice_key, step_index)
);

-- Escalations to a manager, each raised once.
create table if not exists outreach.dunning_escalations (
    escalation_key varchar primary key,     -- reason:subject (account, or promise id)
    account_id varchar not null,
    reason varchar not null,                -- no_response | broken_promise
    detail varchar,
    raised_on date not null,
    managers varchar,                       -- comma-separated emails
    notice_id varchar
);

-- Calls for the collector worklist (dunning call steps) and for managers (escalations).
create table if not exists outreach.dunning_call_tasks (
    task_id varchar primary key,
    kind varchar not null,                  -- dunning_call | escalation
    account_id varchar not null,
    account_name varchar,
    assignee varchar,                       -- roster name (collector or manager)
    assignee_email varchar,
    task varchar not null,
    invoice_keys varchar not null,
    open_balance varchar,                   -- e.g. "USD 1,234.50; GBP 20.00"
    phone varchar,
    due_on date not null,
    created_on date not null,
    notice_id varchar not null
);

-- One row per drafting run: the policy in force (sha256 of the policy file) and what it did.
create table if not exists outreach.dunning_runs (
    run_id varchar primary key,
    run_on date not null,
    policy_sha256 varchar not null,
    started_at timestamp not null,
    notices integer not null,
    escalations integer not null,
    held integer not null
);

-- The day the dunning run first saw each open invoice: an invoice never reminded starts its
-- sequence at the step that fits its age on that day (the first run, or an invoice that entered
-- the ledger late), and an invoice held from the start (a dispute) resumes at the first step.
create table if not exists outreach.dunning_invoices_seen (
    invoice_key varchar primary key,
    first_seen_on date not null
);
