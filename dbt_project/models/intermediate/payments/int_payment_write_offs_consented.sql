-- Short payments' differences written off with the customer's consent. A `reference_short_pay`
-- application leaves open a difference within the policy's `matching.short_pay_tolerance` (a
-- write-off candidate); when the customer accepted that exact difference on that invoice at the
-- customer door (their newest acceptance up to the as-of date), the rule writes it off and keeps
-- the consent as its evidence. Without consent the difference stays open and is chased.

with consents as (
    -- the customer's newest acceptance on each invoice
    select distinct on (invoice_key)
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
    order by invoice_key, entry_id desc nulls last
),

short_payments as (
    -- the newest short payment on each invoice: what it left open is what is still open
    select distinct on (invoice_key)
        payment_id,
        invoice_key,
        write_off_amount
    from {{ ref('int_payment_applications_allocated') }}
    where fits and rule = 'reference_short_pay' and write_off_amount > 0
    order by invoice_key, received_on desc nulls last, payment_id desc nulls last
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
    || {{ ll_iso_date('consents.consented_on') }} || ')' as consent_evidence
from short_payments
inner join consents
    on
        short_payments.invoice_key = consents.invoice_key
        and short_payments.write_off_amount = consents.accepted_amount
