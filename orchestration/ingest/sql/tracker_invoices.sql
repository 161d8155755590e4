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
    list_filter([
        case
            when invoice_number is null then {'field': 'invoice_number', 'reason': $labels['invoice_number'] || ' is empty'}
            when not regexp_matches(invoice_number, '[0-9]') then {'field': 'invoice_number', 'reason': $labels['invoice_number'] || ' ''' || invoice_number || ''' has no digits'}
        end,
        case
            when office_text is null then {'field': 'office', 'reason': $labels['office'] || ' is empty'}
            when office is null then {'field': 'office', 'reason': $labels['office'] || ' ''' || office_text || ''' is not an office in ledgerloop.yaml (add it to offices:, as an office or an alias of one)'}
        end,
        case when amount_text is not null and amount is null then {'field': 'amount', 'reason': $labels['amount'] || ' ''' || amount_text || ''' is not an amount'} end,
        case when due_date_text is not null and due_date is null then {'field': 'due_date', 'reason': $labels['due_date'] || ' ''' || due_date_text || ''' is not a valid date'} end,
        case when updated_text is not null and updated_at is null then {'field': 'updated_at', 'reason': $labels['updated_at'] || ' ''' || updated_text || ''' is not a valid timestamp'} end
    ], lambda problem: problem is not null) as problems
from typed;

insert into raw.tracker_invoices
select
    office, invoice_number, account_name, amount, due_date, stage, notes, updated_at, updated_by,
    $source_file, $file_sha256, row_number, $exported_at, $loaded_at
from parsed
where len(problems) = 0;
