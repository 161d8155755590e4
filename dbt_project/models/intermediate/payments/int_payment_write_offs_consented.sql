-- Short payments' differences written off with the customer's consent. A `reference_short_pay`
-- application leaves open a difference within the policy's `matching.short_pay_tolerance` (a
-- write-off candidate); when the customer accepted that exact difference on that invoice at the
-- customer door (their newest acceptance up to the as-of date), the rule writes it off and keeps
-- the consent as its evidence. Without consent the difference stays open and is chased.

with consents as (
    select
        invoice_key,
        accepted_amount,
        entry_id,
        collector_email as consented_by,
        submitted_on as consented_on
    from {{ ref('stg_portal__collector_entries') }}
    where
        kind = 'discrepancy'
        and entered_by = 'customer'
        and submitted_on <= {{ as_of_date() }}
    qualify row_number() over (partition by invoice_key order by entry_id desc) = 1
),

short_payments as (
    -- the newest short payment on each invoice: what it left open is what is still open
    select
        payment_id,
        invoice_key,
        write_off_amount
    from {{ ref('int_payment_applications_allocated') }}
    where fits and rule = 'reference_short_pay' and write_off_amount > 0
    qualify row_number() over (partition by invoice_key order by received_on desc, payment_id desc) = 1
)

select
    short_payments.payment_id,
    short_payments.invoice_key,
    short_payments.write_off_amount as written_off_amount,
    consents.entry_id as consent_entry_id,
    consents.consented_by,
    consents.consented_on,
    'difference ' || short_payments.write_off_amount || ' written off: the customer accepted it ('
    || consents.consented_by || ', portal entry ' || consents.entry_id || ', '
    || strftime(consents.consented_on, '%Y-%m-%d') || ')' as consent_evidence
from short_payments
inner join consents
    on
        short_payments.invoice_key = consents.invoice_key
        and short_payments.write_off_amount = consents.accepted_amount
