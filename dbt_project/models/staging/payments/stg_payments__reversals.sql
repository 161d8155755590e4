with source as (
    select * from {{ source('payments', 'non_receipts') }}
),

renamed as (
    select
        bank_transaction_id as reversal_id,
        reverses as reversed_bank_transaction_id,
        booked_on as reversed_on,
        cast(-amount as decimal(18, 2)) as amount,
        upper(trim(currency)) as currency,
        _source_file as source_file,
        _file_sha256 as file_sha256
    from source
    where reason = 'reversal' and reverses is not null
)

select * from renamed
