-- Trailing rows after the last row with more than one cell: a report footer when they carry
-- Salesforce's markers, otherwise data rows that will fail validation.
select row_number, first_cell
from landing_rows
where row_number > (
    select coalesce(max(row_number) filter (where not only_first_cell), 1) from landing_rows
)
order by row_number;
