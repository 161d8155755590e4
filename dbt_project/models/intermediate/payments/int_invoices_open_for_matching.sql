-- What payments can be matched against: every invoice with its number's identity and its open
-- balance from the invoice sources (Salesforce's balance, or the amount for tracker-only
-- invoices). Payment applications are deliberately not subtracted here: the ledger does that,
-- and reading it would make matching depend on its own output. A view: a projection is cheaper
-- to recompute than a million rows are to write.
{{ config(materialized='view') }}

select
    invoice_key,
    office,
    split_part(invoice_key, ':', 2) as number_key,
    invoice_number,
    account_id,
    account_name,
    currency,
    cast(greatest(coalesce(source_balance, amount), 0) as decimal(18, 2)) as open_balance
from {{ ref('int_invoices_deduplicated') }}
