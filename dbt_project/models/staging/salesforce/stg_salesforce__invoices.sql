with source as (
    select * from {{ source('salesforce', 'invoices') }}
),

renamed as (
    select
        {{ invoice_key('office', 'invoice_number') }} as invoice_key,
        invoice_number,
        office,
        account_id,
        account_name,
        project,
        project_director,
        director_email,
        collector,
        invoice_date as invoice_on,
        due_date as due_on,
        currency,
        cast(amount as decimal(18, 2)) as amount,
        cast(balance as decimal(18, 2)) as source_balance,
        stage,
        last_modified_at,
        document_url,
        _source_file as source_file,
        _row_number as source_row_number,
        _exported_at as exported_at,
        _loaded_at as loaded_at
    from source
)

select * from renamed
