-- For every processed file: rows read = rows loaded + rows quarantined, and raw and
-- quarantine hold exactly those rows (nothing silently dropped, nothing loaded twice).
with loaded as (
    select _file_sha256 as file_sha256, count(*) as rows_in_raw
    from {{ source('salesforce', 'invoices') }}
    group by all
    union all
    select _file_sha256, count(*)
    from {{ source('tracker', 'invoices') }}
    group by all
),

quarantined as (
    select file_sha256, count(*) as rows_in_quarantine
    from {{ source('quarantine', 'rejected_rows') }}
    where row_number is not null
    group by all
)

select
    files.file_name,
    files.rows_read,
    files.rows_loaded,
    files.rows_quarantined,
    coalesce(loaded.rows_in_raw, 0) as rows_in_raw,
    coalesce(quarantined.rows_in_quarantine, 0) as rows_in_quarantine
from {{ source('ingest', 'ingested_files') }} as files
left join loaded using (file_sha256)
left join quarantined using (file_sha256)
where files.source in ('salesforce', 'tracker')
    and (
        files.rows_read <> files.rows_loaded + files.rows_quarantined
        or files.rows_loaded <> coalesce(loaded.rows_in_raw, 0)
        or files.rows_quarantined <> coalesce(quarantined.rows_in_quarantine, 0)
    )
