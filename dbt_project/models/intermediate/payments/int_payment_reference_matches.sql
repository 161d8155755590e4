-- Rules for payments whose remittance text names invoices, in order: every named number must
-- be a known invoice (one office, or the office of the payer's account); currencies must
-- agree; then exact amount (one or several invoices), short-pay within tolerance, partial
-- payment, overpayment. Anything else is an exception with its candidates. A payment whose
-- named numbers match no invoice at all is left to the payer rules (outcome `no_reference`).
-- A bare number listed after a named one (`INV 100, 101`) counts as named only when it cannot
-- be someone else's: an invoice of the payer's account, or, with no known payer, the only
-- invoice with that number, of the named invoices' one account, and the listed and named
-- invoices' open balances make up the payment exactly. Otherwise it is only a candidate.

{%- set tolerance_amount = short_pay_tolerance('amount') %}
{%- set tolerance_percent = short_pay_tolerance('percent') %}
{%- set placing = "('reference_exact', 'reference_multi', 'reference_overpayment', 'reference_short_pay', 'reference_partial')" %}

with payments as (
    select * from {{ ref('int_payments_deduplicated') }}
    where cardinality(reference_numbers) > 0
),

named as (
    select payment_id, unnest(reference_numbers) as number_key, false as is_listed
    from payments

    union all

    select payment_id, unnest(listed_numbers) as number_key, true as is_listed
    from payments
),

candidates as (
    select
        named.payment_id,
        named.number_key,
        named.is_listed,
        invoices.invoice_key,
        invoices.office,
        invoices.account_id,
        invoices.currency,
        invoices.open_balance,
        payers.account_id as payer_account_id,
        count(*) over (partition by named.payment_id, named.number_key) as offices_with_number,
        count(*) filter (where invoices.account_id = payers.account_id)
            over (partition by named.payment_id, named.number_key) as payer_offices_with_number,
        coalesce(invoices.account_id = payers.account_id, false) as is_payers_invoice
    from named
    inner join {{ ref('int_invoices_open_for_matching') }} as invoices using (number_key)
    left join {{ ref('int_payment_payers') }} as payers using (payment_id)
),

judged as (
    select
        *,
        case
            when not is_listed then offices_with_number = 1 or (payer_offices_with_number = 1 and is_payers_invoice)
            else payer_offices_with_number = 1 and is_payers_invoice
        end as is_chosen_alone
    from candidates
),

named_totals as (
    -- what the named numbers point at: one account, and how much of the payment they explain
    select
        judged.payment_id,
        {{ ll_any_value('payments.amount') }} as amount,
        {{ ll_any_value('cardinality(payments.reference_numbers)') }} as numbers_named,
        bool_or(judged.payer_account_id is not null) as has_payer,
        count(distinct judged.number_key) filter (where not judged.is_listed and judged.is_chosen_alone)
            as named_chosen,
        count(distinct judged.account_id) filter (where not judged.is_listed and judged.is_chosen_alone)
            as named_accounts,
        min(judged.account_id) filter (where not judged.is_listed and judged.is_chosen_alone)
            as named_account_id,
        sum(judged.open_balance) filter (where not judged.is_listed and judged.is_chosen_alone)
            as named_open,
        count(distinct judged.number_key) filter (where judged.is_listed) as listed_found
    from judged
    inner join payments using (payment_id)
    group by judged.payment_id
),

explained_lists as (
    -- a payer nobody knows: the listed numbers count only all together, if they explain the amount
    select named_totals.payment_id
    from named_totals
    inner join judged using (payment_id)
    where
        not named_totals.has_payer
        and named_totals.named_chosen = named_totals.numbers_named
        and named_totals.named_accounts = 1
        and named_totals.listed_found > 0
        and judged.is_listed
    group by
        named_totals.payment_id, named_totals.named_account_id, named_totals.listed_found,
        named_totals.named_open, named_totals.amount
    having
        count(distinct judged.number_key) filter (
            where judged.offices_with_number = 1 and judged.account_id = named_totals.named_account_id
        ) = named_totals.listed_found
        and named_totals.named_open + sum(judged.open_balance) = named_totals.amount
),

chosen as (
    select
        judged.*,
        judged.offices_with_number > 1 as office_decided_by_payer,
        case
            when not judged.is_listed then null
            when judged.is_chosen_alone then 'an invoice of the payer''s account'
            else 'the named invoices make up the payment exactly'
        end as listed_because
    from judged
    left join explained_lists using (payment_id)
    where judged.is_chosen_alone or (judged.is_listed and explained_lists.payment_id is not null)
),

found as (
    select
        payment_id,
        count(distinct number_key) filter (where not is_listed) as named_found,
        array_agg(invoice_key order by invoice_key) as candidate_keys
    from candidates
    group by payment_id
),

summary as (
    select
        payments.payment_id,
        {{ ll_any_value('payments.amount') }} as amount,
        {{ ll_any_value('payments.currency') }} as currency,
        {{ ll_any_list('payments.reference_numbers') }} as reference_numbers,
        {{ ll_any_list('payments.listed_numbers') }} as listed_numbers,
        {{ ll_any_value('cardinality(payments.reference_numbers)') }}
        + count(chosen.invoice_key) filter (where chosen.is_listed) as numbers_named,
        coalesce({{ ll_any_value('found.named_found') }}, 0) as named_found,
        coalesce({{ ll_any_value('found.named_found') }}, 0)
        + count(chosen.invoice_key) filter (where chosen.is_listed) as numbers_found,
        {{ ll_any_list('found.candidate_keys') }} as candidate_keys,
        count(chosen.invoice_key) as invoices_chosen,
        -- a typed zero: PostgreSQL would print an untyped 0 in the evidence as `0`, not `0.00`
        coalesce(sum(chosen.open_balance), cast(0 as decimal(18, 2))) as open_total,
        count(*) filter (where chosen.currency is not null and chosen.currency != payments.currency)
            as currency_mismatches,
        count(*) filter (where chosen.open_balance = 0) as paid_invoices,
        bool_or(chosen.office_decided_by_payer) as office_decided_by_payer,
        coalesce(bool_or(chosen.is_listed), false) as has_listed
    from payments
    left join found using (payment_id)
    left join chosen using (payment_id)
    group by payments.payment_id
),

verdicts as (
    select
        *,
        open_total - amount as shortfall,
        case
            when named_found = 0 then 'no_reference'
            when numbers_found < numbers_named then 'reference_not_found'
            when invoices_chosen < numbers_found then 'ambiguous_office'
            when currency_mismatches > 0 then 'currency_mismatch'
            when paid_invoices > 0 then 'invoice_already_paid'
            when amount = open_total then case when invoices_chosen = 1 then 'reference_exact' else 'reference_multi' end
            when amount > open_total then 'reference_overpayment'
            when invoices_chosen > 1 then 'amount_mismatch'
            when open_total - amount <= {{ tolerance_amount }}
                and open_total - amount <= cast(open_total * {{ tolerance_percent }} as double precision) / 100
                then 'reference_short_pay'
            else 'reference_partial'
        end as verdict
    from summary
)

select
    verdicts.payment_id,
    case
        when verdicts.verdict = 'no_reference' then 'no_reference'
        when verdicts.verdict in {{ placing }} then 'apply'
        else 'exception'
    end as outcome,
    verdicts.verdict as rule,
    chosen.invoice_key,
    cast(case
        when verdicts.verdict in ('reference_exact', 'reference_multi', 'reference_overpayment')
            then chosen.open_balance
        when verdicts.verdict in ('reference_short_pay', 'reference_partial') then verdicts.amount
    end as decimal(18, 2)) as proposed_amount,
    cast(case when verdicts.verdict = 'reference_short_pay' then verdicts.shortfall end as decimal(18, 2))
        as write_off_amount,
    cast(case
        when verdicts.verdict in ('reference_exact', 'reference_multi') then 1.00
        when verdicts.verdict = 'reference_short_pay' then 0.95
        when verdicts.verdict in ('reference_partial', 'reference_overpayment') then 0.90
    end
    - case when verdicts.office_decided_by_payer then 0.05 else 0 end
    - case when verdicts.has_listed then 0.05 else 0 end as decimal(3, 2)) as confidence,
    case
        when chosen.invoice_key is not null then
            case
                when chosen.is_listed
                    then 'reference lists ' || chosen.number_key || ' after an invoice number ('
                    || chosen.listed_because || ')'
                else 'reference names ' || chosen.number_key
            end
            || case when chosen.office_decided_by_payer then ' (office by payer account)' else '' end
            || ' | payment ' || verdicts.amount || ' ' || verdicts.currency
            || ' vs open ' || verdicts.open_total
            || case when verdicts.invoices_chosen > 1 then ' over ' || verdicts.invoices_chosen || ' invoices' else '' end
        when verdicts.verdict != 'no_reference' then
            'remittance names ' || array_to_string(verdicts.reference_numbers, ', ')
            || case
                when cardinality(verdicts.listed_numbers) > 0
                    then ' and lists ' || array_to_string(verdicts.listed_numbers, ', ')
                else ''
            end
            || ' | invoices with those numbers: ' || coalesce(array_to_string(verdicts.candidate_keys, ', '), 'none')
            || ' | payment ' || verdicts.amount || ' ' || verdicts.currency
            || ' vs open ' || verdicts.open_total
    end as evidence,
    verdicts.candidate_keys as candidates
from verdicts
left join chosen
    on chosen.payment_id = verdicts.payment_id and verdicts.verdict in {{ placing }}
