-- Each decision names one or more invoices (`resolve`, each with an optional amount) or none
-- (`unapply`): one row per (decision, invoice), as the `payments/decisions` asset loads the file
-- `ledgerloop payments` writes (orchestration/cash/decisions.py).
with source as (
    select * from {{ source('payments', 'decisions') }}
),

renamed as (
    select
        decision_id,
        payment_id,
        action,
        decided_by,
        cast(decided_at as timestamp) as decided_at,
        position,
        invoice_reference,
        cast(amount as decimal(18, 2)) as amount
    from source
)

select * from renamed
