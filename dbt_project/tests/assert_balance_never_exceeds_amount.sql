-- A payment or a source balance can lower what is owed, never raise it above the invoice.
select
    invoice_key,
    amount,
    balance
from {{ ref('ar_ledger') }}
where amount >= 0 and balance > amount
