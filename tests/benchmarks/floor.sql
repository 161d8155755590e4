-- The floor: the pipeline's work on the Salesforce exports as one plain DuckDB script, with
-- no orchestration, no per-file bookkeeping and no checks. Read every export, drop footers,
-- parse amounts and dates, quarantine bad rows, deduplicate by identity and precedence, age
-- the open invoices and aggregate the aging.
create or replace table exports as
select
    filename,
    nullif(trim("Invoice Number"), '') as invoice_number,
    nullif(trim("Office"), '') as office_text,
    "Account Name" as account_name,
    "Currency" as currency,
    try_cast(regexp_replace("Amount", '[^0-9.\-]', '', 'g') as decimal(18, 2)) as amount,
    try_cast(regexp_replace("Balance", '[^0-9.\-]', '', 'g') as decimal(18, 2)) as balance,
    coalesce(try_cast("Due Date" as date), cast(try_strptime("Due Date", '%m/%d/%Y') as date)) as due_date,
    try_strptime("Last Modified Date", '%m/%d/%Y %I:%M %p') as last_modified_at,
    "Stage" as stage,
    regexp_matches("Amount", '[A-Za-z]{1}[0-9.]') as amount_has_letter
from read_csv($utf8_files, header = true, all_varchar = true, null_padding = true, filename = true)
union all by name
select
    filename,
    nullif(trim("Invoice Number"), ''), nullif(trim("Office"), ''), "Account Name", "Currency",
    try_cast(regexp_replace("Amount", '[^0-9.\-]', '', 'g') as decimal(18, 2)),
    try_cast(regexp_replace("Balance", '[^0-9.\-]', '', 'g') as decimal(18, 2)),
    coalesce(try_cast("Due Date" as date), cast(try_strptime("Due Date", '%m/%d/%Y') as date)),
    try_strptime("Last Modified Date", '%m/%d/%Y %I:%M %p'),
    "Stage",
    regexp_matches("Amount", '[A-Za-z]{1}[0-9.]')
from read_csv($legacy_files, header = true, all_varchar = true, null_padding = true, filename = true, encoding = 'latin-1');

create or replace table rejected as
select * from exports
where account_name is not null
    and (invoice_number is null or amount is null or amount_has_letter or balance is null
        or due_date is null or office_text not in ('New York', 'NY', 'New York Office', 'NYC',
            'London', 'UK', 'London Office', 'LDN'));

create or replace table ledger as
with valid as (
    select
        case when office_text in ('London', 'UK', 'London Office', 'LDN') then 'LDN' else 'NYC' end
            || ':' || ltrim(regexp_replace(regexp_replace(upper(invoice_number), '[^A-Z0-9]', '', 'g'), '^INV', ''), '0')
            as invoice_key,
        *
    from exports
    where account_name is not null
        and not (invoice_number is null or amount is null or amount_has_letter or balance is null
            or due_date is null or office_text not in ('New York', 'NY', 'New York Office', 'NYC',
                'London', 'UK', 'London Office', 'LDN'))
),

newest as (
    select * from valid
    qualify row_number() over (partition by invoice_key order by last_modified_at desc, filename desc) = 1
)

select
    *,
    case when balance > 0 then $as_of::date - due_date end as days_past_due,
    case
        when balance <= 0 then null
        when $as_of::date - due_date <= 0 then 'current'
        when $as_of::date - due_date <= 30 then '1-30'
        when $as_of::date - due_date <= 60 then '31-60'
        when $as_of::date - due_date <= 90 then '61-90'
        else '90+'
    end as aging_bucket
from newest;

create or replace table aging as
select aging_bucket, currency, count(*) as invoices, sum(balance) as balance
from ledger
where aging_bucket is not null
group by all;
