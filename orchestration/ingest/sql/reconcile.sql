-- Files whose counts do not reconcile: rows read must equal rows loaded plus quarantined, and
-- raw and quarantine must hold exactly those rows (nothing dropped, nothing loaded twice).
with loaded as (
    select _file_sha256 as file_sha256, count(*) as rows_in_raw
    from raw.salesforce_invoices
    group by all
    union all
    select _file_sha256, count(*)
    from raw.tracker_invoices
    group by all
),

quarantined as (
    select file_sha256, count(*) as rows_in_quarantine
    from quarantine.rejected_rows
    where row_number is not null
    group by all
)

select
    files.source,
    files.file_name,
    files.rows_read,
    files.rows_loaded,
    files.rows_quarantined,
    coalesce(loaded.rows_in_raw, 0) as rows_in_raw,
    coalesce(quarantined.rows_in_quarantine, 0) as rows_in_quarantine
from raw.ingested_files as files
left join loaded using (file_sha256)
left join quarantined using (file_sha256)
where files.source = $source
    and (
        files.rows_read <> files.rows_loaded + files.rows_quarantined
        or files.rows_loaded <> coalesce(loaded.rows_in_raw, 0)
        or files.rows_quarantined <> coalesce(quarantined.rows_in_quarantine, 0)
    )
order by files.ingested_at;
