-- Type and validate one legacy tracker file held in `landing_fields` into `parsed` (with every
-- problem of every row) and load the good rows into raw.tracker_invoices.
create or replace temp table parsed as
with cleaned as (
    select
        row_number,
        nullif(trim(office), '') as office_text,
        nullif(trim(invoice_number), '') as invoice_number,
        nullif(trim(account_name), '') as account_name,
        nullif(trim(amount), '') as amount_text,
        nullif(trim(due_date), '') as due_date_text,
        nullif(trim(stage), '') as stage_text,
        nullif(trim(notes), '') as notes,
        nullif(trim(updated_at), '') as updated_text,
        nullif(trim(updated_by), '') as updated_by
    from landing_fields
),

typed as (
    select
        cleaned.*,
        offices.code as office,
        coalesce(stages.stage, stage_text) as stage,
        ll_money(amount_text, $decimal_separator, $thousands_separator) as amount,
        ll_date(due_date_text, $date_format) as due_date,
        ll_timestamp(updated_text, $timestamp_formats, $timezone) as updated_at
    from cleaned
    left join office_spellings as offices on offices.spelling_key = ll_spelling_key(cleaned.office_text)
    left join stage_spellings as stages on stages.spelling_key = ll_spelling_key(cleaned.stage_text)
)

select
    row_number, office, invoice_number, account_name, amount, due_date, stage, notes, updated_at,
    updated_by,
    ll_problems([
        ll_if_empty_or_unmatched('invoice_number', $labels['invoice_number'], invoice_number, '[0-9]', 'has no digits'),
        ll_if_unknown_office($labels['office'], office_text, office),
        ll_if_unread('amount', $labels['amount'], amount_text, amount, 'amount'),
        ll_if_unread('due_date', $labels['due_date'], due_date_text, due_date, 'date'),
        ll_if_unread('updated_at', $labels['updated_at'], updated_text, updated_at, 'timestamp')
    ]) as problems
from typed;

insert into raw.tracker_invoices
select
    office, invoice_number, account_name, amount, due_date, stage, notes, updated_at, updated_by,
    $source_file, $file_sha256, row_number, $exported_at, $loaded_at
from parsed
where len(problems) = 0;
