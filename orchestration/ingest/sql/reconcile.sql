-- Files of one source ($source) whose counts do not reconcile: rows read = rows loaded + rows
-- quarantined (raw.ingested_files), and the tables hold exactly those rows, nothing dropped and
-- nothing loaded twice. A source that loads into several tables also records how each file
-- split its rows (`split`), and each table must hold what the split says.
with loaded_into as (
    -- The raw tables each source loads its rows into.
    select *
    from (
        values
        ('salesforce', 'raw.salesforce_invoices'),
        ('tracker', 'raw.tracker_invoices'),
        ('history', 'raw.history_invoices'),
        ('payments', 'raw.payments'),
        ('payments', 'raw.payment_non_receipts')
    ) as tables (source, table_name)
),

held as (
    -- The rows each table holds of each file (sql/held_counts.sql, run where the tables are kept).
    select * from held_counts
),

split as (
    -- How a file of a source loading into several tables split its rows: payment files into
    -- receipts, not receipts and quarantined (raw.payment_files).
    select file_sha256, 'raw.payments' as table_name, receipts as n
    from raw.payment_files
    union all
    select file_sha256, 'raw.payment_non_receipts', non_receipts
    from raw.payment_files
    union all
    select file_sha256, 'quarantine.rejected_rows', quarantined
    from raw.payment_files
),

files as (
    select
        files.*,
        (select count(*) from loaded_into where loaded_into.source = files.source) as tables
    from raw.ingested_files as files
    where files.source = $source
),

in_tables as (
    select
        files.file_sha256,
        coalesce(sum(held.n), 0) as rows_in_tables,
        list({'table_name': loaded_into.table_name, 'n': coalesce(held.n, 0)} order by loaded_into.table_name)
            as held
    from files
    inner join loaded_into using (source)
    left join held using (file_sha256, table_name)
    group by files.file_sha256
),

split_checked as (
    select
        split.file_sha256,
        bool_or(split.n is distinct from coalesce(held.n, 0)) as disagrees,
        list({'table_name': split.table_name, 'n': split.n} order by split.table_name) as split
    from split
    left join held using (file_sha256, table_name)
    group by split.file_sha256
)

select
    files.source,
    files.file_name,
    files.rows_read,
    files.rows_loaded,
    files.rows_quarantined,
    coalesce(quarantined.n, 0) as rows_in_quarantine,
    in_tables.rows_in_tables,
    in_tables.held,
    split_checked.split
from files
inner join in_tables using (file_sha256)
left join held as quarantined
    on files.file_sha256 = quarantined.file_sha256 and quarantined.table_name = 'quarantine.rejected_rows'
left join split_checked using (file_sha256)
where files.rows_read <> files.rows_loaded + files.rows_quarantined
    or files.rows_quarantined <> coalesce(quarantined.n, 0)
    or files.rows_loaded <> in_tables.rows_in_tables
    or (files.tables > 1 and split_checked.file_sha256 is null)
    or split_checked.disagrees
order by files.ingested_at, files.file_name;
