-- The living AR ledger: one row per invoice ever seen, with its balance and aging as of the
-- run's date. matched_paid_amount sums applications from payment files (cash application),
-- written_off_amount the short payments' differences written off with the customer's consent;
-- the balance never double counts a payment both Salesforce and the bank know about.

with invoices as (
    select * from {{ ref('int_invoices_deduplicated') }}
),

payments_applied as (
    -- Money that payment files placed on each invoice (cash application), 0 where none.
    select
        invoices.invoice_key,
        cast(coalesce(sum(applications.applied_amount), 0) as decimal(18, 2)) as matched_paid_amount,
        cast(coalesce(sum(applications.written_off_amount), 0) as decimal(18, 2)) as written_off_amount
    from invoices
    left join {{ ref('payment_applications') }} as applications using (invoice_key)
    group by invoices.invoice_key
),

balanced as (
    select
        invoices.*,
        payments_applied.matched_paid_amount,
        payments_applied.written_off_amount,
        cast(greatest(
            least(
                coalesce(invoices.source_balance, invoices.amount),
                invoices.amount - payments_applied.matched_paid_amount
            ) - payments_applied.written_off_amount,
            0
        ) as decimal(18, 2)) as balance
    from invoices
    inner join payments_applied using (invoice_key)
),

aged as (
    select
        *,
        case when balance > 0 then 'open' else 'paid' end as status,
        case
            when balance > 0 then cast({{ as_of_date() }} - due_on as bigint)
        end as days_past_due
    from balanced
)

select
    invoice_key,
    invoice_number,
    {{ display_invoice_number('office', 'invoice_number') }} as display_number,
    office,
    account_id,
    account_name,
    project,
    project_director,
    director_email,
    collector,
    invoice_on as invoice_date,
    due_on as due_date,
    currency,
    amount,
    source_balance,
    matched_paid_amount,
    written_off_amount,
    balance,
    status,
    stage,
    days_past_due,
    {{ aging_bucket('days_past_due') }} as aging_bucket,  -- noqa: LT02
    notes,
    financial_source,
    last_update_at,
    last_update_source,
    document_url,
    document_file,
    document_sha256,
    {{ as_of_date() }} as as_of_date
from aged
