-- Type and validate one invoice-history file held in `landing_fields` into `parsed` (with every
-- problem of every row) and load the good rows into raw.history_invoices. Currency and office
-- come from a column or from the one value `sources.history` sets for the whole export.
create or replace temp table parsed as
with cleaned as (
    select
        row_number,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(invoice_number), '') as invoice_number,
        coalesce(nullif(trim(office), ''), settings.fixed_office) as office_text,
        nullif(trim(invoice_date), '') as invoice_date_text,
        nullif(trim(due_date), '') as due_date_text,
        nullif(trim(amount), '') as amount_text,
        nullif(trim(currency), '') as currency_text,
        nullif(trim(is_disputed), '') as disputed_text,
        nullif(trim(settled_on), '') as settled_text,
        settings.fixed_currency,
        settings.true_words,
        settings.false_words
    from landing_fields
    cross join history_settings as settings
),

typed as (
    select
        cleaned.*,
        offices.code as office,
        ll_date(invoice_date_text, $date_format) as invoice_date,
        ll_date(due_date_text, $date_format) as due_date,
        ll_date(settled_text, $date_format) as settled_on,
        ll_money(amount_text, $decimal_separator, $thousands_separator) as amount,
        coalesce(upper(currency_text), ll_money_currency(amount_text), fixed_currency) as currency,
        case
            when disputed_text is null or list_contains(false_words, lower(disputed_text)) then false
            when list_contains(true_words, lower(disputed_text)) then true
        end as is_disputed
    from cleaned
    left join office_spellings as offices on offices.spelling_key = ll_spelling_key(cleaned.office_text)
)

select
    row_number, account_id, invoice_number, office, invoice_date, due_date, amount, currency,
    is_disputed, settled_on,
    ll_problems([
        ll_if_empty('account_id', $labels['account_id'], account_id),
        ll_if_empty_or_unmatched('invoice_number', $labels['invoice_number'], invoice_number, '[A-Za-z0-9]', 'has no letters or digits'),
        ll_if_unknown_office(coalesce($labels['office'], 'office'), office_text, office),
        ll_if_missing('invoice_date', $labels['invoice_date'], invoice_date_text, invoice_date, 'date'),
        ll_if_missing('due_date', $labels['due_date'], due_date_text, due_date, 'date'),
        ll_if_missing('amount', $labels['amount'], amount_text, amount, 'amount'),
        coalesce(
            ll_if_empty('currency', coalesce($labels['currency'], 'currency'), currency),
            ll_if_broken('currency', coalesce($labels['currency'], 'currency'), currency_text, not regexp_full_match(currency, '[A-Z]{3}'), 'is not a currency code')
        ),
        ll_if_unread('is_disputed', $labels['is_disputed'], disputed_text, is_disputed, 'yes/no'),
        ll_if_unread('settled_on', $labels['settled_on'], settled_text, settled_on, 'date')
    ]) as problems
from typed;

insert into raw.history_invoices
select
    account_id, invoice_number, office, invoice_date, due_date, amount, currency, is_disputed,
    settled_on, $source_file, $file_sha256, row_number, $exported_at, $loaded_at
from parsed
where len(problems) = 0;
