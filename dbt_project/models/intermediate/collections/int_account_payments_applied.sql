-- Payments applied to the invoices of accounts that have a promise to pay or a payment plan:
-- what decides whether a promise was kept and how far a plan is paid. Accounts are keyed as in
-- the timeline (the account name where the source has no account id).

with record_accounts as (
    select distinct account_id
    from {{ ref('stg_portal__collector_entries') }}
    where kind in ('promise', 'plan')
),

ledger as (
    select
        invoice_key,
        coalesce(account_id, account_name) as account_id,
        currency
    from {{ ref('ar_ledger') }}
    where coalesce(account_id, account_name) in (select record_accounts.account_id from record_accounts)
)

select
    ledger.account_id,
    applications.invoice_key,
    ledger.currency,
    applications.payment_id,
    payments.received_on,
    cast(applications.applied_amount as decimal(18, 2)) as applied_amount
from {{ ref('payment_applications') }} as applications
inner join ledger using (invoice_key)
inner join {{ ref('payments') }} as payments using (payment_id)
where payments.received_on <= {{ as_of_date() }}
