-- The exception queue: every payment nothing was applied to, why, and the invoices (or, for a
-- possible duplicate, the payment) a person should look at, with how long it has waited.

with payments as (
    select * from {{ ref('int_payments_deduplicated') }}
),

rule_exceptions as (
    select
        payment_id,
        rule as reason,
        evidence as detail,
        candidates
    from {{ ref('int_payment_matches') }}
    where outcome = 'exception'
),

balance_taken as (
    select
        payment_id,
        'invoice_balance_taken' as reason,
        case
            when bool_or(decision_id is not null) then 'the decided amounts exceed the open balance of '
            else 'an earlier payment already took the open balance of '
        end
        || string_agg(invoice_key, ', ' order by invoice_key) filter (
            where applied_amount > open_balance - taken_before
        )
            as detail,
        list(invoice_key order by invoice_key) as candidates
    from {{ ref('int_payment_applications_allocated') }}
    where not fits
    group by payment_id
),

queued as (
    select * from rule_exceptions
    union all
    select * from balance_taken
),

invoices as (
    select
        invoice_key,
        {
            'invoice_key': invoice_key, 'account_id': account_id, 'currency': currency,
            'open_balance': open_balance
        } as candidate
    from {{ ref('int_invoices_open_for_matching') }}
),

candidate_details as (
    select
        queued.payment_id,
        {{ json_list("list(invoices.candidate order by invoices.invoice_key)") }} as candidates
    from queued,
        unnest(queued.candidates) as listed (candidate_key)
    inner join invoices
        on listed.candidate_key = invoices.invoice_key
    group by queued.payment_id
)

select
    queued.payment_id,
    payments.amount,
    payments.currency,
    payments.received_on,
    payments.payer,
    payments.reference,
    queued.reason,
    queued.detail,
    coalesce(candidate_details.candidates, {{ json_list('queued.candidates') }}) as candidates,
    payments.first_seen_at,
    {{ as_of_date() }} - cast(payments.first_seen_at as date) as age_days
from queued
inner join payments using (payment_id)
left join candidate_details using (payment_id)
