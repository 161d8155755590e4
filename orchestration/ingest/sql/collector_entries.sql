-- Append workbench entries to raw.collector_entries (contract C2); an entry id already loaded is
-- skipped, so re-reading a window of the store (or a retried run) never loads an entry twice.
insert into raw.collector_entries by name
select
    unnest($entry_ids::bigint []) as entry_id,
    unnest($submission_ids::varchar []) as submission_id,
    unnest($collector_emails::varchar []) as collector_email,
    unnest($collectors::varchar []) as collector,
    unnest($kinds::varchar []) as kind,
    unnest($account_ids::varchar []) as account_id,
    unnest($invoice_keys::varchar []) as invoice_key,
    unnest($notes::varchar []) as note,
    unnest($call_outcomes::varchar []) as call_outcome,
    unnest($currencies::varchar []) as currency,
    unnest($promised_amounts::decimal(18, 2) []) as promised_amount,
    unnest($promised_dates::date []) as promised_date,
    unnest($dispute_reasons::varchar []) as dispute_reason,
    unnest($dispute_evidences::varchar []) as dispute_evidence,
    unnest($dispute_deadlines::date []) as dispute_deadline,
    unnest($resolutions::varchar []) as resolution,
    unnest($plan_installments::varchar []) as plan_installments,
    unnest($submitted_ats::timestamp []) as submitted_at,
    unnest($entered_bys::varchar []) as entered_by,
    unnest($invoice_key_sets::varchar []) as invoice_keys,
    unnest($accepted_amounts::decimal(18, 2) []) as accepted_amount,
    $loaded_at::timestamp as _loaded_at
on conflict do nothing
