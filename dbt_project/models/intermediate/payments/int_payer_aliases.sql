-- Payer name identity -> account: every account's own name (normalized: case, punctuation,
-- legal suffixes) and the aliases staff taught by resolving a payment by hand.

with accounts as (
    select distinct
        account_id,
        account_name
    from {{ ref('int_invoices_open_for_matching') }}
    where account_id is not null and account_name is not null
),

decided_accounts as (
    select
        decisions.payment_id,
        min(invoices.account_id) as account_id,
        count(distinct invoices.account_id) as accounts
    from {{ ref('int_payment_decisions') }} as decisions
    inner join {{ ref('int_invoices_open_for_matching') }} as invoices using (invoice_key)
    where decisions.action = 'resolve'
    group by decisions.payment_id
)

select
    {{ normalize_party_name('account_name') }} as payer_key,
    {{ clean_party_name('account_name') }} as name_clean,
    account_id,
    'account_name' as alias_source
from accounts

union all

select distinct
    payments.payer_key,
    null as name_clean,
    decided_accounts.account_id,
    'decision' as alias_source
from decided_accounts
inner join {{ ref('int_payments_deduplicated') }} as payments using (payment_id)
where decided_accounts.accounts = 1 and payments.payer_key is not null
