-- Rules for payments with no usable invoice reference: the payer must resolve to exactly one
-- account, and the amount must equal exactly one of its open invoices in that currency, or
-- exactly one combination of them (bounded search). Anything else is an exception.

{%- set max_open = policy_int('matching', 'payer_max_open_invoices') %}

with payments as (
    select payments.*
    from {{ ref('int_payments_deduplicated') }} as payments
    left join {{ ref('int_payment_reference_matches') }} as reference_matches using (payment_id)
    where cardinality(payments.reference_numbers) = 0 or reference_matches.outcome = 'no_reference'
),

candidates as (
    select * from {{ ref('int_payment_payer_candidates') }}
),

accounts as (
    select
        payment_id,
        {{ ll_any_value('open_invoices') }} as open_invoices,
        {{ ll_any_value('exact_invoices') }} as exact_invoices,
        (array_agg(invoice_key order by abs(open_balance - payment_amount), invoice_key))[1:10] as nearest_keys,
        array_agg(invoice_key order by invoice_key) filter (where open_balance = payment_amount) as exact_keys
    from candidates
    group by payment_id
),

subsets as (
    select
        payment_id,
        count(*) as combinations,
        {{ ll_any_list('invoice_keys') }} as invoice_keys
    from {{ ref('int_payment_subset_matches') }}
    group by payment_id
),

same_amount as (
    -- for a payer nobody knows: open invoices of exactly the amount, for a person to check
    select
        payments.payment_id,
        (array_agg(invoices.invoice_key order by invoices.invoice_key))[1:10] as invoice_keys
    from payments
    inner join {{ ref('int_invoices_open_for_matching') }} as invoices
        on
            invoices.currency = payments.currency
            and invoices.open_balance = payments.amount
    where
        not exists (
            select 1
            from {{ ref('int_payment_payers') }} as payers
            where payers.payment_id = payments.payment_id
        )
    group by payments.payment_id
),

verdicts as (
    select
        payments.payment_id,
        payments.amount,
        payments.currency,
        payments.payer,
        cardinality(payments.reference_numbers) > 0 as had_reference,
        payers.account_id,
        payers.payer_match,
        payers.candidate_accounts,
        accounts.exact_keys,
        accounts.nearest_keys,
        same_amount.invoice_keys as same_amount_keys,
        subsets.invoice_keys as subset_keys,
        case
            when payers.accounts_found > 1 then 'ambiguous_payer'
            when payers.account_id is null and cardinality(payments.reference_numbers) > 0 then 'reference_not_found'
            when payers.account_id is null then 'unknown_payer'
            when accounts.open_invoices is null then 'no_open_invoice'
            when accounts.exact_invoices = 1 then 'payer_amount'
            when accounts.exact_invoices > 1 then 'ambiguous_amount'
            when accounts.open_invoices > {{ max_open }} then 'too_many_open_invoices'
            when subsets.combinations = 1 then 'payer_subset'
            when subsets.combinations > 1 then 'ambiguous_subset'
            else 'no_amount_match'
        end as verdict
    from payments
    left join {{ ref('int_payment_payers') }} as payers using (payment_id)
    left join accounts using (payment_id)
    left join subsets using (payment_id)
    left join same_amount using (payment_id)
),

applied as (
    select
        verdicts.*,
        unnest(case
            when verdict = 'payer_amount' then exact_keys
            when verdict = 'payer_subset' then subset_keys
            else array[cast(null as text)]
        end) as invoice_key
    from verdicts
)

select
    applied.payment_id,
    case when applied.verdict in ('payer_amount', 'payer_subset') then 'apply' else 'exception' end as outcome,
    applied.verdict as rule,
    applied.invoice_key,
    invoices.open_balance as proposed_amount,
    cast(null as decimal(18, 2)) as write_off_amount,
    cast(case
        when applied.verdict = 'payer_amount' then 0.95
        when applied.verdict = 'payer_subset' then 0.85
    end - case when applied.had_reference then 0.05 else 0 end as decimal(3, 2)) as confidence,
    case when applied.invoice_key is not null then
        'payer ' || applied.payer || ' is account ' || applied.account_id || ' (' || applied.payer_match || ')'
        || case when applied.had_reference then ' | no named number is a known invoice' else '' end
        || case
            when applied.verdict = 'payer_amount'
                then ' | the only open invoice of ' || applied.amount || ' ' || applied.currency
            else ' | the only combination of open invoices summing to ' || applied.amount || ' ' || applied.currency
        end
    end as evidence,
    case
        when applied.verdict = 'ambiguous_payer' then applied.candidate_accounts
        when applied.account_id is null then applied.same_amount_keys
        else coalesce(applied.exact_keys, applied.nearest_keys)
    end as candidates
from applied
left join {{ ref('int_invoices_open_for_matching') }} as invoices using (invoice_key)
