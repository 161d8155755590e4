-- Failed data-quality checks as the Dagster run records them (`dagster/check_failures`).
-- Alerts read them from here, so that its unit tests can give their own.

select
    check_name,
    asset_key,
    severity,
    description,
    failed_at,
    run_id
from {{ source('dagster', 'check_failures') }} as failures
