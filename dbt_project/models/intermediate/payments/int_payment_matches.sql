-- Every payment's proposed placement, before allocation against open balances: a manual
-- decision overrides everything for its payment; a possible duplicate waits for a person;
-- otherwise the reference rules, then the payer rules. One row per proposed application, or
-- one exception row (outcome `exception`, no invoice) per payment.

with payments as (
    select * from {{ ref('int_payments_deduplicated') }}
),

decisions as (
    select * from {{ ref('int_payment_decisions') }}
),

decision_amounts as (
    select
        decisions.*,
        payments.amount as payment_amount,
        invoices.open_balance,
        coalesce(
            sum(coalesce(decisions.requested_amount, invoices.open_balance)) over (
                partition by decisions.payment_id order by decisions.position
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as placed_before,
        sum(decisions.requested_amount) over (partition by decisions.payment_id) as requested_total,
        count(decisions.problem) over (partition by decisions.payment_id) as problems,
        string_agg(decisions.problem, ' | ') over (partition by decisions.payment_id) as problem_text
    from decisions
    inner join payments using (payment_id)
    left join {{ ref('int_invoices_open_for_matching') }} as invoices using (invoice_key)
),

manual as (
    select
        payment_id,
        case
            when action = 'resolve' and problems = 0 and coalesce(requested_total, 0) <= payment_amount
                then 'apply'
            else 'exception'
        end as outcome,
        case
            when action = 'unapply' then 'unapplied_by_decision'
            when problems > 0 or coalesce(requested_total, 0) > payment_amount then 'decision_invalid'
            else 'manual'
        end as rule,
        invoice_key,
        cast(
            coalesce(requested_amount, least(open_balance, greatest(payment_amount - placed_before, 0)))
            as decimal(18, 2)
        ) as proposed_amount,
        cast(null as decimal(18, 2)) as write_off_amount,
        cast(1.00 as decimal(3, 2)) as confidence,
        case
            when action = 'unapply' then 'unapplied by ' || decided_by || ' at ' || decided_at
            when problems > 0 then problem_text
            when coalesce(requested_total, 0) > payment_amount
                then 'decided amounts ' || requested_total || ' exceed the payment ' || payment_amount
            else 'resolved by ' || decided_by || ' at ' || decided_at
        end as evidence,
        cast(null as text[]) as candidates,
        decision_id,
        decided_by,
        decided_at
    from decision_amounts
),

manual_kept as (
    select
        *,
        row_number() over (partition by payment_id order by invoice_key) as payment_row
    from manual
    where outcome = 'exception' or proposed_amount > 0
),

manual_rows as (
    -- An exception is one row per payment; an application is one row per invoice with money.
    select
        payment_id,
        outcome,
        rule,
        case when outcome = 'apply' then invoice_key end as invoice_key,
        -- typed: PostgreSQL's CASE would drop the scale of decimal(18, 2)
        cast(case when outcome = 'apply' then proposed_amount end as decimal(18, 2)) as proposed_amount,
        write_off_amount,
        confidence,
        evidence,
        candidates,
        decision_id,
        decided_by,
        decided_at
    from manual_kept
    where outcome = 'apply' or payment_row = 1
),

duplicates as (
    select
        payment_id,
        'exception' as outcome,
        'possible_duplicate' as rule,
        cast(null as varchar) as invoice_key,
        cast(null as decimal(18, 2)) as proposed_amount,
        cast(null as decimal(18, 2)) as write_off_amount,
        cast(null as decimal(3, 2)) as confidence,
        'no bank reference, and identical to payment ' || duplicate_of || ' from another file' as evidence,
        array[duplicate_of] as candidates
    from payments
    where duplicate_of is not null
),

reversed_receipts as (
    select
        payment_id,
        'exception' as outcome,
        'reversed_by_bank' as rule,
        cast(null as varchar) as invoice_key,
        cast(null as decimal(18, 2)) as proposed_amount,
        cast(null as decimal(18, 2)) as write_off_amount,
        cast(null as decimal(3, 2)) as confidence,
        'the bank reversed this credit (' || reversed_by || '): it is not cash to apply' as evidence,
        cast(array[] as varchar[]) as candidates
    from payments
    where reversed_by is not null
),

by_rules as (
    select
        payment_id,
        outcome,
        rule,
        invoice_key,
        proposed_amount,
        write_off_amount,
        confidence,
        evidence,
        candidates
    from {{ ref('int_payment_reference_matches') }}
    where outcome != 'no_reference'

    union all

    select
        payment_id,
        outcome,
        rule,
        invoice_key,
        proposed_amount,
        write_off_amount,
        confidence,
        evidence,
        candidates
    from {{ ref('int_payment_payer_matches') }}
),

automatic as (
    select * from reversed_receipts

    union all

    select duplicates.*
    from duplicates
    where
        not exists (
            select 1
            from reversed_receipts
            where reversed_receipts.payment_id = duplicates.payment_id
        )

    union all

    select by_rules.*
    from by_rules
    where
        not exists (
            select 1
            from duplicates
            where duplicates.payment_id = by_rules.payment_id
        )
        and not exists (
            select 1
            from reversed_receipts
            where reversed_receipts.payment_id = by_rules.payment_id
        )
)

select
    manual_rows.payment_id,
    manual_rows.outcome,
    manual_rows.rule,
    manual_rows.invoice_key,
    manual_rows.proposed_amount,
    manual_rows.write_off_amount,
    manual_rows.confidence,
    manual_rows.evidence,
    manual_rows.candidates,
    manual_rows.decision_id,
    manual_rows.decided_by,
    manual_rows.decided_at
from manual_rows

union all

select
    automatic.payment_id,
    automatic.outcome,
    automatic.rule,
    automatic.invoice_key,
    automatic.proposed_amount,
    automatic.write_off_amount,
    automatic.confidence,
    automatic.evidence,
    automatic.candidates,
    null as decision_id,
    null as decided_by,
    null as decided_at
from automatic
where
    not exists (
        select 1
        from decisions
        where decisions.payment_id = automatic.payment_id
    )
