with source as (
    select * from {{ source('portal', 'director_updates') }}
),

renamed as (
    select
        update_id,
        submission_id,
        lower(director_email) as director_email,
        invoice_key,
        status,
        note,
        expected_payment_date as expected_payment_on,
        cast(promised_amount as decimal(18, 2)) as promised_amount,
        dispute_reason,
        blocker,
        submitted_at,
        _loaded_at as loaded_at
    from source
)

select * from renamed
