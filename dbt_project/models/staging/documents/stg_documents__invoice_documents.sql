with source as (
    select * from {{ source('documents', 'invoice_documents') }}
),

renamed as (
    select
        {{ invoice_key('office', 'invoice_number') }} as invoice_key,
        office,
        invoice_number,
        relative_path as document_file,
        sha256 as document_sha256,
        size_bytes,
        modified_at,
        problem
    from source
)

select * from renamed
