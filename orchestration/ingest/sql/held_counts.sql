-- The rows each table an ingest loads holds of each file: the reconcile check's counts
-- (sql/reconcile.sql). Plain SQL on both engines, so on PostgreSQL it runs on the server and only
-- these counts travel, not the tables.
select 'raw.salesforce_invoices' as table_name, _file_sha256 as file_sha256, count(*) as n
from raw.salesforce_invoices
group by _file_sha256
union all
select 'raw.tracker_invoices', _file_sha256, count(*)
from raw.tracker_invoices
group by _file_sha256
union all
select 'raw.history_invoices', _file_sha256, count(*)
from raw.history_invoices
group by _file_sha256
union all
select 'raw.payments', _file_sha256, count(*)
from raw.payments
group by _file_sha256
union all
select 'raw.payment_non_receipts', _file_sha256, count(*)
from raw.payment_non_receipts
group by _file_sha256
union all
select 'quarantine.rejected_rows', file_sha256, count(*)
from quarantine.rejected_rows
where row_number is not null  -- a file rejected whole is one row without a row number
group by file_sha256
