-- Disputes collectors recorded (contract C3): reason, evidence and resolution deadline, open
-- until a resolution is recorded for the invoice. A resolution closes every dispute of the
-- invoice opened before it. Entries after the as-of date are not seen yet. An open dispute
-- suppresses the invoice's dunning; past its deadline it is overdue (an alert, a worklist driver).

with entries as (
    select *
    from {{ ref('stg_portal__collector_entries') }}
    where submitted_on <= {{ as_of_date() }}
),

opened as (
    select *
    from entries
    where kind = 'dispute' and invoice_key is not null  -- the workbench requires one
),

resolutions as (
    select
        entry_id,
        invoice_key,
        collector,
        resolution,
        note,
        submitted_at,
        submitted_on
    from entries
    where kind = 'dispute_resolution'
),

first_resolution as (
    -- The earliest resolution of the invoice recorded after the dispute was opened.
    select distinct on (opened.entry_id)
        opened.entry_id,
        resolutions.entry_id as resolution_entry_id,
        resolutions.resolution,
        resolutions.collector as resolved_by,
        resolutions.submitted_on as resolved_on
    from opened
    inner join resolutions
        on
            opened.invoice_key = resolutions.invoice_key
            and opened.entry_id < resolutions.entry_id  -- store ids grow with every entry
    order by opened.entry_id, resolutions.entry_id
)

select
    cast(opened.entry_id as varchar) as dispute_id,
    opened.invoice_key,
    opened.account_id,
    opened.collector,
    opened.dispute_reason as reason,
    opened.dispute_evidence as evidence,
    opened.note,
    opened.submitted_on as opened_on,
    opened.dispute_deadline_on as deadline_on,
    case when first_resolution.entry_id is null then 'open' else 'resolved' end as status,
    first_resolution.resolved_on,
    first_resolution.resolution,
    first_resolution.resolved_by,
    coalesce(first_resolution.entry_id is null and opened.dispute_deadline_on < {{ as_of_date() }}, false)
        as is_overdue,
    opened.submitted_at as opened_at,
    opened.entered_by,
    {{ as_of_date() }} as as_of
from opened
left join first_resolution using (entry_id)
