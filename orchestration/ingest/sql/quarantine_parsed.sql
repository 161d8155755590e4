-- Rows of `parsed` with problems go to quarantine with every reason, the first problem's field,
-- and the row as the file had it.
insert into quarantined_rows
select row_number from parsed where len(problems) > 0;

insert into quarantine.rejected_rows
select
    $source, $source_file, row_number, problems[1].field,
    array_to_string(list_transform(problems, lambda problem: problem.reason), '; '),
    records.raw_record, $loaded_at, $file_sha256
from parsed
inner join landing_records as records using (row_number)
where len(problems) > 0;
