-- Bounded subset-sum for payments with no usable reference: combinations of 2..N open
-- invoices of the payer's account (same currency) that sum exactly to the payment, searched
-- only where the account has few open invoices (`matching.payer_max_open_invoices`) and no
-- single invoice matches. Each row is one combination; more than one means ambiguous.

{%- set max_size = policy_int('matching', 'payer_max_subset_size') %}

with recursive pool as (
    select
        payment_id,
        invoice_key,
        open_balance,
        payment_amount,
        row_number() over (partition by payment_id order by invoice_key) as position
    from {{ ref('int_payment_payer_candidates') }}
    where needs_subset_search
),

subsets (payment_id, last_position, size, total, invoice_keys, payment_amount) as (
    select payment_id, position, 1, open_balance, array[invoice_key], payment_amount
    from pool
    where open_balance < payment_amount

    union all

    select
        subsets.payment_id,
        pool.position,
        subsets.size + 1,
        cast(subsets.total + pool.open_balance as decimal(18, 2)),
        array_append(subsets.invoice_keys, pool.invoice_key),
        subsets.payment_amount
    from subsets
    inner join pool
        on pool.payment_id = subsets.payment_id and pool.position > subsets.last_position
    where subsets.size < {{ max_size }} and subsets.total + pool.open_balance <= subsets.payment_amount
)

select
    payment_id,
    invoice_keys,
    size
from subsets
where size >= 2 and total = payment_amount
