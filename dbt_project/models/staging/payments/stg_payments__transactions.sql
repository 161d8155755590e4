with source as (
    select * from {{ source('payments', 'transactions') }}
),

renamed as (
    select
        payment_id,
        bank_transaction_id,
        statement_account,
        received_on,
        cast(amount as decimal(18, 2)) as amount,
        upper(trim(currency)) as currency,
        nullif(trim(payer), '') as payer,
        nullif(trim(reference), '') as reference,
        format,
        _source_file as source_file,
        _file_sha256 as file_sha256,
        _row_number as source_row_number,
        _loaded_at as loaded_at
    from source
)

select * from renamed
