-- A file rejected as a whole (e.g. a required column is missing): keep every row it held.
insert into quarantined_rows
select row_number from landing_rows;

insert into quarantine.rejected_rows
select $source, $source_file, row_number, $field, $reason, raw_record, $loaded_at, $file_sha256
from landing_records;
