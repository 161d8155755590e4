-- Append portal updates to raw.director_updates; an update id already loaded is skipped, so
-- re-reading a window of the store (or a retried run) never loads an update twice.
insert into raw.director_updates by name
select
    unnest($update_ids::bigint []) as update_id,
    unnest($submission_ids::varchar []) as submission_id,
    unnest($director_emails::varchar []) as director_email,
    unnest($invoice_keys::varchar []) as invoice_key,
    unnest($statuses::varchar []) as status,
    unnest($notes::varchar []) as note,
    unnest($expected_payment_dates::date []) as expected_payment_date,
    unnest($promised_amounts::decimal(18, 2) []) as promised_amount,
    unnest($dispute_reasons::varchar []) as dispute_reason,
    unnest($blockers::varchar []) as blocker,
    unnest($submitted_ats::timestamp []) as submitted_at,
    $loaded_at::timestamp as _loaded_at
on conflict do nothing
