with source as (
    select * from {{ source('portal', 'collector_entries') }}
),

renamed as (
    select
        entry_id,
        submission_id,
        lower(trim(collector_email)) as collector_email,
        trim(collector) as collector,
        lower(trim(kind)) as kind,
        account_id,
        nullif(trim(invoice_key), '') as invoice_key,
        -- the invoices the entry covers: its chosen set, its one invoice, else null (the account)
        case
            when invoice_keys is not null then {{ ll_json_strings_sorted('invoice_keys') }}
            when nullif(trim(invoice_key), '') is not null then array[trim(invoice_key)]
        end as invoice_keys,
        note,
        call_outcome,
        upper(nullif(trim(currency), '')) as currency,
        cast(promised_amount as decimal(18, 2)) as promised_amount,
        cast(accepted_amount as decimal(18, 2)) as accepted_amount,
        promised_date,
        dispute_reason,
        dispute_evidence,
        dispute_deadline as dispute_deadline_on,
        resolution,
        plan_installments,
        coalesce(entered_by, 'collector') as entered_by,
        submitted_at,
        {{ utc_to_local_date('submitted_at') }} as submitted_on,  -- the team's day, as the run's as-of
        _loaded_at as loaded_at
    from source
)

select * from renamed
