-- Failed data-quality checks as the Dagster run records them in `raw.check_failures` (created
-- by orchestration/ingest/sql/schema.sql); none when the warehouse does not have the table.
-- Alerts read them from here, so that its unit tests can give their own.

select
    check_name,
    asset_key,
    severity,
    description,
    failed_at,
    run_id
from {{ raw_table_or_empty('check_failures', [
    ('check_name', 'varchar'), ('asset_key', 'varchar'), ('severity', 'varchar'),
    ('description', 'varchar'), ('failed_at', 'timestamp'), ('run_id', 'varchar')]) }} as failures
