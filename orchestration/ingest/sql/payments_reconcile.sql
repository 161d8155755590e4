-- Payment files whose counts do not reconcile: every entry read is a receipt, a non-receipt or
-- quarantined, and the tables hold exactly those rows (nothing dropped, nothing loaded twice).
with receipts as (
    select _file_sha256 as file_sha256, count(*) as in_payments
    from raw.payments
    group by all
),

non_receipts as (
    select _file_sha256 as file_sha256, count(*) as in_non_receipts
    from raw.payment_non_receipts
    group by all
),

quarantined as (
    select file_sha256, count(*) as in_quarantine
    from quarantine.rejected_rows
    where source = 'payments' and row_number is not null
    group by all
)

select
    files.file_name,
    files.rows_read,
    counts.receipts,
    coalesce(receipts.in_payments, 0) as in_payments,
    counts.non_receipts,
    coalesce(non_receipts.in_non_receipts, 0) as in_non_receipts,
    counts.quarantined,
    coalesce(quarantined.in_quarantine, 0) as in_quarantine
from raw.ingested_files as files
left join raw.payment_files as counts using (file_sha256)
left join receipts using (file_sha256)
left join non_receipts using (file_sha256)
left join quarantined using (file_sha256)
where files.source = 'payments'
    and (
        counts.file_sha256 is null
        or files.rows_read <> counts.receipts + counts.non_receipts + counts.quarantined
        or counts.rows_read <> files.rows_read
        or files.rows_loaded <> counts.receipts + counts.non_receipts
        or files.rows_quarantined <> counts.quarantined
        or counts.receipts <> coalesce(receipts.in_payments, 0)
        or counts.non_receipts <> coalesce(non_receipts.in_non_receipts, 0)
        or counts.quarantined <> coalesce(quarantined.in_quarantine, 0)
    )
order by files.ingested_at;
