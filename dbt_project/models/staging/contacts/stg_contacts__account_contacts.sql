with source as (
    select *
    from {{ source('contacts', 'account_contacts') }}
),

renamed as (
    select
        trim(account_id) as account_id,
        nullif(trim(contact_name), '') as contact_name,
        nullif(trim(email), '') as contact_email,
        nullif(trim(phone), '') as contact_phone
    from source
    where nullif(trim(account_id), '') is not null
)

select * from renamed
