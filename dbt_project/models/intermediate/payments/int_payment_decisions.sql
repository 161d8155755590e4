-- The decision in force for each payment (the newest one recorded), its invoices resolved to
-- ledger keys. `INVOICE` may be `OFFICE:NUMBER` or a number in any spelling, which must then
-- be unique across offices. A decision that cannot be carried out names its problem.

{%- set given_office = "upper(trim(split_part(invoice_reference, ':', 1)))" %}
{%- set given_number = "split_part(invoice_reference, ':', 2)" %}

with ranked_decisions as (
    select
        *,
        dense_rank() over (
            partition by payment_id order by decided_at desc nulls last, decision_id desc nulls last
        ) as decision_rank
    from {{ ref('stg_payments__decisions') }}
),

decisions as (
    select
        decision_id,
        payment_id,
        action,
        decided_by,
        decided_at,
        position,
        invoice_reference,
        amount
    from ranked_decisions
    where decision_rank = 1
),

invoices as (
    select * from {{ ref('int_invoices_open_for_matching') }}
),

parsed as (
    select
        *,
        case
            when invoice_reference like '%:%'
                then {{ invoice_key(given_office, given_number) }}
        end as given_key,
        {{ normalize_invoice_number('invoice_reference') }} as given_number
    from decisions
),

resolved as (
    select
        parsed.decision_id,
        parsed.position,
        count(invoices.invoice_key) as matches,
        min(invoices.invoice_key) as invoice_key
    from parsed
    left join invoices
        on
            parsed.given_key = invoices.invoice_key
            or (parsed.given_key is null and parsed.given_number = invoices.number_key)
    where parsed.action = 'resolve'
    group by parsed.decision_id, parsed.position
)

select
    parsed.payment_id,
    parsed.decision_id,
    parsed.action,
    parsed.decided_by,
    parsed.decided_at,
    parsed.position,
    parsed.invoice_reference,
    case when resolved.matches = 1 then resolved.invoice_key end as invoice_key,
    parsed.amount as requested_amount,
    case
        when parsed.action = 'unapply' then null
        when resolved.matches = 0 then 'unknown invoice ' || parsed.invoice_reference
        when resolved.matches > 1
            then
                'invoice number ' || parsed.invoice_reference
                || ' exists in several offices: name it as OFFICE:NUMBER'
        when parsed.amount <= 0 then 'amount for ' || parsed.invoice_reference || ' is not positive'
    end as problem
from parsed
left join resolved using (decision_id, position)
