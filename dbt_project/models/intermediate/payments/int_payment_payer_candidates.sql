-- Payments with no usable invoice reference, their payer's account, and that account's open
-- invoices in the payment's currency: what the payer rules choose from.

{%- set max_open = policy_int('matching', 'payer_max_open_invoices') %}

with payments as (
    select payments.*
    from {{ ref('int_payments_deduplicated') }} as payments
    left join {{ ref('int_payment_reference_matches') }} as reference_matches using (payment_id)
    where cardinality(payments.reference_numbers) = 0 or reference_matches.outcome = 'no_reference'
),

open_invoices as (
    select * from {{ ref('int_invoices_open_for_matching') }}
    where open_balance > 0
),

candidates as (
    select
        payments.payment_id,
        payments.amount as payment_amount,
        payers.account_id,
        open_invoices.invoice_key,
        open_invoices.open_balance,
        count(*) over (partition by payments.payment_id) as open_invoices,
        count(*) filter (where open_invoices.open_balance = payments.amount)
            over (partition by payments.payment_id) as exact_invoices
    from payments
    inner join {{ ref('int_payment_payers') }} as payers using (payment_id)
    inner join open_invoices
        on open_invoices.account_id = payers.account_id and open_invoices.currency = payments.currency
)

select
    *,
    exact_invoices = 0 and open_invoices <= {{ max_open }} as needs_subset_search
from candidates
