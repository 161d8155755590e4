-- depends_on: {{ source('contacts', 'account_contacts') }}
-- Read by name (the table exists once the contacts asset or the dunning asset has run), so a
-- warehouse without contacts builds with none.

with source as (
    select *
    from {{ raw_table_or_empty('account_contacts', [
        ('account_id', 'varchar'), ('contact_name', 'varchar'), ('email', 'varchar'),
        ('phone', 'varchar')], schema='outreach') }} as contacts
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
