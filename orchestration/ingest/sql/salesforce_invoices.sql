-- Type and validate one Salesforce export held in `landing_fields` into `parsed` (with every
-- problem of every row) and load the good rows into raw.salesforce_invoices.
create or replace temp table parsed as
with cleaned as (
    select
        row_number,
        nullif(trim(invoice_number), '') as invoice_number,
        nullif(trim(office), '') as office_text,
        nullif(trim(account_name), '') as account_name,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(project), '') as project,
        nullif(trim(project_director), '') as project_director,
        nullif(lower(trim(director_email)), '') as director_email,
        nullif(trim(collector), '') as collector,
        nullif(trim(invoice_date), '') as invoice_date_text,
        nullif(trim(due_date), '') as due_date_text,
        nullif(upper(trim(currency)), '') as currency_text,
        nullif(trim(amount), '') as amount_text,
        nullif(trim(balance), '') as balance_text,
        nullif(trim(stage), '') as stage_text,
        nullif(trim(last_modified_at), '') as last_modified_text,
        ll_money_currency(amount) as amount_currency
    from landing_fields
),

typed as (
    select
        cleaned.*,
        offices.code as office,
        coalesce(stages.stage, stage_text) as stage,
        ll_date(invoice_date_text, $date_format) as invoice_date,
        ll_date(due_date_text, $date_format) as due_date,
        ll_money(amount_text, $decimal_separator, $thousands_separator) as amount,
        ll_money(balance_text, $decimal_separator, $thousands_separator) as balance,
        coalesce(currency_text, amount_currency) as currency,
        amount_currency,
        ll_timestamp(last_modified_text, $timestamp_formats, $timezone) as last_modified_at
    from cleaned
    left join office_spellings as offices on offices.spelling_key = ll_spelling_key(cleaned.office_text)
    left join stage_spellings as stages on stages.spelling_key = ll_spelling_key(cleaned.stage_text)
)

select
    row_number, invoice_number, office, account_name, account_id, project, project_director,
    director_email, collector, invoice_date, due_date, currency, amount, balance, stage,
    last_modified_at,
    list_filter([
        case
            when invoice_number is null then {'field': 'invoice_number', 'reason': $labels['invoice_number'] || ' is empty'}
            when not regexp_matches(invoice_number, '[0-9]') then {'field': 'invoice_number', 'reason': $labels['invoice_number'] || ' ''' || invoice_number || ''' has no digits'}
        end,
        case
            when office_text is null then {'field': 'office', 'reason': $labels['office'] || ' is empty'}
            when office is null then {'field': 'office', 'reason': $labels['office'] || ' ''' || office_text || ''' is not an office in ledgerloop.yaml (add it to offices:, as an office or an alias of one)'}
        end,
        case when account_name is null then {'field': 'account_name', 'reason': $labels['account_name'] || ' is empty'} end,
        case
            when invoice_date_text is null then {'field': 'invoice_date', 'reason': $labels['invoice_date'] || ' is empty'}
            when invoice_date is null then {'field': 'invoice_date', 'reason': $labels['invoice_date'] || ' ''' || invoice_date_text || ''' is not a valid date'}
        end,
        case
            when due_date_text is null then {'field': 'due_date', 'reason': $labels['due_date'] || ' is empty'}
            when due_date is null then {'field': 'due_date', 'reason': $labels['due_date'] || ' ''' || due_date_text || ''' is not a valid date'}
        end,
        case
            when amount_text is null then {'field': 'amount', 'reason': $labels['amount'] || ' is empty'}
            when amount is null then {'field': 'amount', 'reason': $labels['amount'] || ' ''' || amount_text || ''' is not an amount'}
        end,
        case
            when balance_text is null then {'field': 'balance', 'reason': $labels['balance'] || ' is empty'}
            when balance is null then {'field': 'balance', 'reason': $labels['balance'] || ' ''' || balance_text || ''' is not an amount'}
            when balance < 0 then {'field': 'balance', 'reason': $labels['balance'] || ' ''' || balance_text || ''' is negative'}
            when amount >= 0 and balance > amount then {'field': 'balance', 'reason': $labels['balance'] || ' ' || balance_text || ' exceeds ' || $labels['amount'] || ' ' || amount_text}
        end,
        case
            when currency is not null and not regexp_full_match(currency, '[A-Z]{3}') then {'field': 'currency', 'reason': $labels['currency'] || ' ''' || currency_text || ''' is not an ISO 4217 code'}
            when amount_currency is not null and amount_currency <> currency then {'field': 'currency', 'reason': $labels['amount'] || ' is in ' || amount_currency || ' but ' || $labels['currency'] || ' says ' || currency}
        end,
        case when last_modified_text is not null and last_modified_at is null then {'field': 'last_modified_at', 'reason': $labels['last_modified_at'] || ' ''' || last_modified_text || ''' is not a valid timestamp'} end,
        case when due_date < invoice_date then {'field': 'due_date', 'reason': $labels['due_date'] || ' ' || due_date_text || ' is before ' || $labels['invoice_date'] || ' ' || invoice_date_text} end
    ], lambda problem: problem is not null) as problems
from typed;

insert into raw.salesforce_invoices
select
    invoice_number, office, account_name, account_id, project, project_director, director_email,
    collector, invoice_date, due_date, currency, amount, balance, stage, last_modified_at,
    $source_file, $file_sha256, row_number, $exported_at, $loaded_at
from parsed
where len(problems) = 0;
