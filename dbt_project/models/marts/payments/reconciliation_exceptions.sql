-- The exception queue: every payment with cash not applied, until a person decides or a rule
-- places it, with why, the invoices (or, for a possible duplicate, the payment) a person
-- should look at, and how long it has waited. A payment nothing was applied to has the rule's
-- reason; a payment placed in part has `unapplied_remainder` and, as candidates, the invoices
-- it went to, the invoices its remittance named or listed that the rules did not take, and its
-- accounts' other open invoices nearest the remainder. A remainder a person's decision left
-- (`ledgerloop payments resolve` naming less than the payment) is decided: not queued.
-- Candidates carry what is still open on each invoice after every application.

{%- set max_candidates = 10 %}

with payments as (
    select * from {{ ref('payments') }}
),

applications as (
    select * from {{ ref('payment_applications') }}
),

taken as (
    select
        invoice_key,
        sum(applied_amount) as applied_amount
    from applications
    group by invoice_key
),

invoices as (
    select
        invoices.invoice_key,
        invoices.account_id,
        invoices.currency,
        cast(invoices.open_balance - coalesce(taken.applied_amount, 0) as decimal(18, 2)) as open_balance
    from {{ ref('int_invoices_open_for_matching') }} as invoices
    left join taken using (invoice_key)
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
        array_agg(invoice_key order by invoice_key) as candidates
    from {{ ref('int_payment_applications_allocated') }}
    where not fits
    group by payment_id
),

remainders as (
    select
        payments.payment_id,
        'unapplied_remainder' as reason,
        'applied ' || {{ ll_any_value('payments.applied_amount') }} || ' of '
        || {{ ll_any_value('payments.amount') }} || ' '
        || {{ ll_any_value('payments.currency') }} || ' to '
        || string_agg(applications.invoice_key, ', ' order by applications.invoice_key)
        || ' (' || string_agg(distinct applications.rule, ', ' order by applications.rule) || '); '
        || {{ ll_any_value('payments.unapplied_amount') }} || ' unapplied' as detail,
        array_agg(applications.invoice_key order by applications.invoice_key) as candidates
    from payments
    inner join applications using (payment_id)
    where payments.unapplied_amount > 0
    group by payments.payment_id
    having not bool_or(applications.decided_by is not null)
),

remainder_accounts as (
    select distinct
        applications.payment_id,
        invoices.account_id
    from applications
    inner join invoices using (invoice_key)
    where
        exists (
            select 1
            from remainders
            where remainders.payment_id = applications.payment_id
        )
),

open_near_remainders as (
    -- the open invoices of the accounts the payment went to, in its currency, nearest the remainder
    select
        accounts.payment_id,
        others.invoice_key,
        row_number() over (
            partition by accounts.payment_id
            order by abs(others.open_balance - payments.unapplied_amount), others.invoice_key
        ) as nearness
    from remainder_accounts as accounts
    inner join payments using (payment_id)
    inner join invoices as others
        on
            accounts.account_id = others.account_id
            and payments.currency = others.currency
            and others.open_balance > 0
),

nearest_open as (
    select
        payment_id,
        invoice_key
    from open_near_remainders
    where nearness <= {{ max_candidates }}
),

remainder_candidates as (
    select
        payment_id,
        unnest(candidates) as invoice_key
    from remainders

    union

    select
        matches.payment_id,
        unnest(matches.candidates) as invoice_key
    from {{ ref('int_payment_matches') }} as matches
    where
        exists (
            select 1
            from remainders
            where remainders.payment_id = matches.payment_id
        )

    union

    select
        payment_id,
        invoice_key
    from nearest_open
),

queued as (
    select * from rule_exceptions
    union all
    select * from balance_taken
    union all
    select
        remainders.payment_id,
        remainders.reason,
        remainders.detail,
        array_agg(remainder_candidates.invoice_key order by remainder_candidates.invoice_key) as candidates
    from remainders
    inner join remainder_candidates using (payment_id)
    group by remainders.payment_id, remainders.reason, remainders.detail
),

candidate_invoices as (
    select
        invoice_key,
        {{ ll_json_object([
            ('invoice_key', 'invoice_key'), ('account_id', 'account_id'), ('currency', 'currency'),
            ('open_balance', 'open_balance')]) }} as candidate
    from invoices
),

candidate_details as (
    select
        queued.payment_id,
        {{ json_list("array_agg(invoices.candidate order by invoices.invoice_key)") }} as candidates
    from queued,
        unnest(queued.candidates) as listed (candidate_key)
    inner join candidate_invoices as invoices
        on listed.candidate_key = invoices.invoice_key
    group by queued.payment_id
)

select
    queued.payment_id,
    payments.amount,
    payments.applied_amount,
    payments.unapplied_amount,
    payments.currency,
    payments.received_on,
    payments.payer,
    payments.reference,
    queued.reason,
    queued.detail,
    coalesce(candidate_details.candidates, {{ json_list('queued.candidates') }}) as candidates,
    payments.first_seen_at,
    cast({{ as_of_date() }} - cast(payments.first_seen_at as date) as bigint) as age_days
from queued
inner join payments using (payment_id)
left join candidate_details using (payment_id)
