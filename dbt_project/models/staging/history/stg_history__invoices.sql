with source as (
    select * from {{ source('history', 'invoices') }}
),

renamed as (
    select
        {{ invoice_key('office', 'invoice_number') }} as invoice_key,
        invoice_number,
        office,
        account_id,
        invoice_date as invoice_on,
        due_date as due_on,
        currency,
        cast(amount as decimal(18, 2)) as amount,
        is_disputed,
        settled_on,
        _source_file as source_file,
        _row_number as source_row_number,
        _exported_at as exported_at,
        _loaded_at as loaded_at
    from source
)

select * from renamed
