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
        nullif(trim(document_url), '') as document_url_text,
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
        ll_timestamp(last_modified_text, $timestamp_formats, $timezone) as last_modified_at,
        ll_https_url(document_url_text) as document_url
    from cleaned
    left join office_spellings as offices on offices.spelling_key = ll_spelling_key(cleaned.office_text)
    left join stage_spellings as stages on stages.spelling_key = ll_spelling_key(cleaned.stage_text)
)

select
    row_number, invoice_number, office, account_name, account_id, project, project_director,
    director_email, collector, invoice_date, due_date, currency, amount, balance, stage,
    last_modified_at, document_url,
    ll_problems([
        ll_if_empty_or_unmatched('invoice_number', $labels['invoice_number'], invoice_number, '[0-9]', 'has no digits'),
        ll_if_unknown_office($labels['office'], office_text, office),
        ll_if_empty('account_name', $labels['account_name'], account_name),
        ll_if_missing('invoice_date', $labels['invoice_date'], invoice_date_text, invoice_date, 'date'),
        ll_if_missing('due_date', $labels['due_date'], due_date_text, due_date, 'date'),
        ll_if_missing('amount', $labels['amount'], amount_text, amount, 'amount'),
        coalesce(
            ll_if_missing('balance', $labels['balance'], balance_text, balance, 'amount'),
            ll_if_broken('balance', $labels['balance'], balance_text, balance < 0, 'is negative'),
            case when amount >= 0 and balance > amount then ll_problem('balance', $labels['balance'] || ' ' || balance_text || ' exceeds ' || $labels['amount'] || ' ' || amount_text) end
        ),
        coalesce(
            ll_if_broken('currency', $labels['currency'], currency_text, not regexp_full_match(currency, '[A-Z]{3}'), 'is not an ISO 4217 code'),
            case when amount_currency <> currency then ll_problem('currency', $labels['amount'] || ' is in ' || amount_currency || ' but ' || $labels['currency'] || ' says ' || currency) end
        ),
        ll_if_unread('last_modified_at', $labels['last_modified_at'], last_modified_text, last_modified_at, 'timestamp'),
        ll_if_unread('document_url', $labels['document_url'], document_url_text, document_url, 'https address'),
        case when due_date < invoice_date then ll_problem('due_date', $labels['due_date'] || ' ' || due_date_text || ' is before ' || $labels['invoice_date'] || ' ' || invoice_date_text) end
    ]) as problems
from typed;

insert into raw.salesforce_invoices
select
    invoice_number, office, account_name, account_id, project, project_director, director_email,
    collector, invoice_date, due_date, currency, amount, balance, stage, last_modified_at,
    $source_file, $file_sha256, row_number, $exported_at, $loaded_at, document_url
from parsed
where len(problems) = 0;
