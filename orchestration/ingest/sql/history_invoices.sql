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
    list_filter([
        case when account_id is null then {'field': 'account_id', 'reason': $labels['account_id'] || ' is empty'} end,
        case
            when invoice_number is null then {'field': 'invoice_number', 'reason': $labels['invoice_number'] || ' is empty'}
            when not regexp_matches(invoice_number, '[A-Za-z0-9]') then {'field': 'invoice_number', 'reason': $labels['invoice_number'] || ' ''' || invoice_number || ''' has no letters or digits'}
        end,
        case
            when office_text is null then {'field': 'office', 'reason': coalesce($labels['office'], 'office') || ' is empty'}
            when office is null then {'field': 'office', 'reason': coalesce($labels['office'], 'office') || ' ''' || office_text || ''' is not an office in ledgerloop.yaml (add it to offices:, as an office or an alias of one)'}
        end,
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
            when currency is null then {'field': 'currency', 'reason': coalesce($labels['currency'], 'currency') || ' is empty'}
            when not regexp_full_match(currency, '[A-Z]{3}') then {'field': 'currency', 'reason': coalesce($labels['currency'], 'currency') || ' ''' || currency_text || ''' is not a currency code'}
        end,
        case when is_disputed is null then {'field': 'is_disputed', 'reason': $labels['is_disputed'] || ' ''' || disputed_text || ''' is not yes/no, true/false or 1/0'} end,
        case when settled_text is not null and settled_on is null then {'field': 'settled_on', 'reason': $labels['settled_on'] || ' ''' || settled_text || ''' is not a valid date'} end
    ], lambda problem: problem is not null) as problems
from typed;

insert into raw.history_invoices
select
    account_id, invoice_number, office, invoice_date, due_date, amount, currency, is_disputed,
    settled_on, $source_file, $file_sha256, row_number, $exported_at, $loaded_at
from parsed
where len(problems) = 0;
