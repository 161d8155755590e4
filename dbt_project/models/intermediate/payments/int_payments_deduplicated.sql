-- One row per payment: the same payment_id in several files is one payment (the first file
-- that brought it gives its fields). A payment with no bank reference that is identical to an
-- earlier one from another file may be the same transaction: it is flagged, never dropped.
-- The remittance text gives the invoice numbers it names with a marker (`reference_numbers`)
-- and the bare numbers it lists after one (`listed_numbers`, for the reference rules to judge).

with transactions as (
    select * from {{ ref('stg_payments__transactions') }}
),

loads as (
    select
        *,
        count(*) over (partition by payment_id) as times_loaded,
        min(loaded_at) over (partition by payment_id) as first_seen_at,
        row_number() over (
            partition by payment_id order by loaded_at, source_file, source_row_number
        ) as load_order
    from transactions
),

firsts as (
    -- the first file that brought the payment gives its fields
    select
        payment_id,
        bank_transaction_id,
        statement_account,
        received_on,
        amount,
        currency,
        payer,
        reference,
        format,
        source_file,
        file_sha256,
        times_loaded,
        first_seen_at
    from loads
    where load_order = 1
),

remittances_read as (
    select
        *,
        {{ extract_invoice_references('remittance_text') }} as reference_numbers
    from (
        select
            *,
            {{ remittance_text('reference') }} as remittance_text
        from firsts
    ) as texts
),

unreferenced as (
    select * from firsts
    where bank_transaction_id is null
),

payers as (
    -- many payments come from the same payer: name each payer once
    select
        payer,
        {{ normalize_party_name('payer') }} as payer_key,
        {{ clean_party_name('payer') }} as payer_clean
    from (
        select distinct payer from firsts
        where payer is not null
    ) as distinct_payers
),

possible_duplicates as (
    select
        later.payment_id,
        min(earlier.payment_id) as duplicate_of
    from unreferenced as later
    inner join unreferenced as earlier
        on
            later.received_on = earlier.received_on
            and later.amount = earlier.amount
            and later.currency = earlier.currency
            and later.statement_account is not distinct from earlier.statement_account
            and later.payer is not distinct from earlier.payer
            and later.reference is not distinct from earlier.reference
            and later.file_sha256 != earlier.file_sha256
            and (earlier.first_seen_at, earlier.payment_id) < (later.first_seen_at, later.payment_id)
    group by later.payment_id
),

reversed_receipts as (
    -- A later statement can reverse a credit an earlier file brought: that receipt never was cash.
    select
        firsts.payment_id,
        min(coalesce(reversals.reversal_id, reversals.source_file)) as reversed_by
    from firsts
    inner join {{ ref('stg_payments__reversals') }} as reversals
        on
            firsts.bank_transaction_id = reversals.reversed_bank_transaction_id
            and firsts.amount = reversals.amount
            and firsts.currency = reversals.currency
    group by firsts.payment_id
)

select
    firsts.payment_id,
    firsts.bank_transaction_id,
    firsts.statement_account,
    firsts.received_on,
    firsts.amount,
    firsts.currency,
    firsts.payer,
    firsts.reference,
    firsts.format,
    firsts.source_file,
    firsts.times_loaded,
    firsts.first_seen_at,
    possible_duplicates.duplicate_of,
    reversed_receipts.reversed_by,
    payers.payer_key,
    payers.payer_clean,
    firsts.reference_numbers,
    {{ extract_listed_invoice_numbers('firsts.remittance_text', 'firsts.reference_numbers') }}
        as listed_numbers
from remittances_read as firsts
left join possible_duplicates using (payment_id)
left join reversed_receipts using (payment_id)
left join payers using (payer)
