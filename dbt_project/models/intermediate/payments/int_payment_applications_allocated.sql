-- Proposed applications checked against each invoice's open balance across all payments, in a
-- fixed order (manual decisions first, then by received_on and payment_id), so that no
-- invoice ever receives more than it owes. A payment any of whose applications no longer fits
-- keeps none of them (`fits` false): it goes to the exception queue rather than being split.

with payments as (
    select
        payment_id,
        received_on
    from {{ ref('int_payments_deduplicated') }}
),

proposals as (
    select
        matches.*,
        payments.received_on
    from {{ ref('int_payment_matches') }} as matches
    inner join payments using (payment_id)
    where matches.outcome = 'apply'
),

with_balance as (
    select
        proposals.*,
        invoices.open_balance,
        count(*) over (partition by proposals.invoice_key) as proposals_on_invoice
    from proposals
    inner join {{ ref('int_invoices_open_for_matching') }} as invoices using (invoice_key)
),

ranked as (
    -- only invoices that several payments reach need the ordered running total
    select
        *,
        cast(0 as decimal(18, 2)) as taken_before
    from with_balance
    where proposals_on_invoice = 1

    union all

    select
        *,
        cast(coalesce(sum(proposed_amount) over (
            partition by invoice_key
            order by decision_id is null, received_on, payment_id
            rows between unbounded preceding and 1 preceding
        ), 0) as decimal(18, 2)) as taken_before
    from with_balance
    where proposals_on_invoice > 1
),

unfit as (
    select distinct payment_id
    from ranked
    where proposed_amount > open_balance - taken_before
)

select
    ranked.payment_id,
    ranked.invoice_key,
    ranked.proposed_amount as applied_amount,
    ranked.rule,
    ranked.confidence,
    ranked.evidence,
    ranked.write_off_amount,
    ranked.decision_id,
    ranked.decided_by,
    ranked.decided_at,
    ranked.received_on,
    ranked.open_balance,
    ranked.taken_before,
    unfit.payment_id is null as fits
from ranked
left join unfit using (payment_id)
