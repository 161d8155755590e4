-- History files whose counts do not reconcile: rows read = rows loaded + rows quarantined, and
-- raw.history_invoices and quarantine hold exactly those rows.
with loaded as (
    select _file_sha256 as file_sha256, count(*) as rows_in_raw
    from raw.history_invoices
    group by all
),

quarantined as (
    select file_sha256, count(*) as rows_in_quarantine
    from quarantine.rejected_rows
    where row_number is not null and source = 'history'
    group by all
)

select
    files.file_name,
    files.rows_read,
    files.rows_loaded,
    files.rows_quarantined,
    coalesce(loaded.rows_in_raw, 0) as rows_in_raw,
    coalesce(quarantined.rows_in_quarantine, 0) as rows_in_quarantine
from raw.ingested_files as files
left join loaded using (file_sha256)
left join quarantined using (file_sha256)
where files.source = 'history'
    and files.status = 'loaded'
    and (
        files.rows_read != files.rows_loaded + files.rows_quarantined
        or files.rows_loaded != coalesce(loaded.rows_in_raw, 0)
        or files.rows_quarantined != coalesce(quarantined.rows_in_quarantine, 0)
    )
