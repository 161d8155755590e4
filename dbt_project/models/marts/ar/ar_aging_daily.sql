-- Open balance by aging bucket per as-of date, office, collector and currency. Each run
-- replaces its own as-of date and keeps the others, so the trend builds up run after run
-- (`--full-refresh` keeps it: the past days cannot be rebuilt from today's ledger).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    full_refresh=false,
) }}

select
    as_of_date,
    office,
    coalesce(collector, '(unassigned)') as collector,
    coalesce(currency, '(unknown)') as currency,
    aging_bucket,
    count(*) as invoice_count,
    cast(sum(balance) as decimal(18, 2)) as balance
from {{ ref('ar_ledger') }}
where status = 'open'
group by
    as_of_date,
    office,
    coalesce(collector, '(unassigned)'),
    coalesce(currency, '(unknown)'),
    aging_bucket
