-- One row per invoice identity (office, normalized number) from every source record seen.
-- Financial fields: the newest system record (Salesforce by Last Modified Date, then the
-- later export, then the later row); an invoice only the legacy tracker knows takes its
-- financial fields from there. Status fields: the newest human update (tracker row or portal
-- answer) wins (DESIGN §4).
--
-- Incremental: a run recomputes, from all their records, only the invoices whose number of
-- records changed since the last build (the raw sources are append-only, so a new record always
-- changes it; no clock is trusted, as runs can load out of order) or whose document file
-- changed; a new portal status mapping recomputes every invoice. `ledgerloop run --full-refresh`
-- rebuilds from every record and gives the same rows (tests/e2e/test_incremental_runs.py).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='invoice_key',
    on_schema_change='append_new_columns',
) }}
{%- set status_rules = policy('portal_status_stages') | tojson | replace("'", "''") %}
{%- set incremental = is_incremental() and 'source_records' in (
    adapter.get_columns_in_relation(this) | map(attribute='name') | list) %}
{%- set only_changed = "where invoice_key in (select invoice_key from changed_invoices)" if incremental else "" %}

with source_records as (
    -- How many records each invoice has across the sources that decide its row.
    select
        invoice_key,
        count(*) as source_records
    from (
        select invoice_key from {{ ref('stg_salesforce__invoices') }}
        union all
        select invoice_key from {{ ref('stg_tracker__invoices') }}
        union all
        select invoice_key from {{ ref('stg_portal__director_updates') }}
    ) as records
    group by invoice_key
),

document_files as (
    -- The invoice's servable PDF in documents/<office>/ (a newer file wins over another spelling
    -- of the same number). The folder is read whole each run, so it is compared, not counted.
    select
        invoice_key,
        document_file,
        document_sha256
    from (
        select
            invoice_key,
            document_file,
            document_sha256,
            row_number() over (
                partition by invoice_key order by modified_at desc nulls last, document_file
            ) as recency
        from {{ ref('stg_documents__invoice_documents') }}
        where problem is null and office is not null
    ) as ranked
    where recency = 1
),
{%- if incremental %}

changed_invoices as (
    select source_records.invoice_key
    from source_records
    left join {{ this }} as built using (invoice_key)
    where built.source_records is distinct from source_records.source_records
        or built.status_rules is distinct from md5('{{ status_rules }}')
    union
    select invoice_key
    from (
        (
            select invoice_key, document_file, document_sha256 from document_files
            except
            select invoice_key, document_file, document_sha256 from {{ this }}
            where document_file is not null
        )
        union
        (
            select invoice_key, document_file, document_sha256 from {{ this }}
            where document_file is not null
            except
            select invoice_key, document_file, document_sha256 from document_files
        )
    ) as document_changes
),
{%- endif %}

salesforce_records as (
    select * from {{ ref('stg_salesforce__invoices') }}
    {{ only_changed }}
),

tracker_records as (
    select * from {{ ref('stg_tracker__invoices') }}
    {{ only_changed }}
),

portal_updates as (
    select * from {{ ref('stg_portal__director_updates') }}
    {{ only_changed }}
),

salesforce_newest as (
    select
        invoice_key,
        invoice_number,
        office,
        account_id,
        account_name,
        project,
        project_director,
        director_email,
        collector,
        invoice_on,
        due_on,
        currency,
        amount,
        source_balance,
        stage,
        last_modified_at,
        exported_at
    from (
        select
            *,
            row_number() over (
                partition by invoice_key
                order by {{ newest_record_first('last_modified_at') }}
            ) as recency
        from salesforce_records
    ) as ranked
    where recency = 1
),

tracker_newest as (
    select
        invoice_key,
        invoice_number,
        office,
        account_name,
        due_on,
        amount
    from (
        select
            *,
            row_number() over (
                partition by invoice_key
                order by {{ newest_record_first('updated_at') }}
            ) as recency
        from tracker_records
    ) as ranked
    where recency = 1
),

document_urls as (
    -- The newest document address Salesforce gave an invoice: an export without the column
    -- (or a row with it empty) does not take away the copy an earlier export linked.
    select
        invoice_key,
        document_url
    from (
        select
            invoice_key,
            document_url,
            row_number() over (
                partition by invoice_key
                order by {{ newest_record_first('last_modified_at') }}
            ) as recency
        from salesforce_records
        where document_url is not null
    ) as ranked
    where recency = 1
),

portal_status_stages as (
    -- The stage each portal status moves an invoice to (policy `portal.statuses`).
    select
        cast(null as varchar) as status,
        cast(null as varchar) as stage
    where false
    -- noqa: disable=LT02
    {%- for choice in policy('portal_status_stages') %}
    union all
    select
        '{{ choice["label"] | replace("'", "''") }}' as status,
        '{{ choice["stage"] | replace("'", "''") }}' as stage
    {%- endfor %}
    -- noqa: enable=LT02
),

human_updates as (
    -- Tracker rows and portal answers, the human updates that compete for an invoice's stage.
    -- A status the policy no longer maps is kept as the stage, verbatim.
    select
        invoice_key,
        stage,
        notes,
        updated_at,
        exported_at,
        loaded_at,
        source_row_number as sequence_number,
        'tracker' as update_source
    from tracker_records
    where stage is not null

    union all

    select
        portal_updates.invoice_key,
        coalesce(portal_status_stages.stage, portal_updates.status) as stage,
        portal_updates.note as notes,
        portal_updates.submitted_at as updated_at,
        portal_updates.submitted_at as exported_at,
        portal_updates.loaded_at,
        portal_updates.update_id as sequence_number,
        'portal' as update_source
    from portal_updates
    left join portal_status_stages using (status)
),

human_status as (
    -- The newest human update wins.
    select
        invoice_key,
        stage,
        notes,
        coalesce(updated_at, exported_at) as updated_at,
        update_source
    from (
        select
            *,
            row_number() over (
                partition by invoice_key
                order by
                    updated_at desc nulls last, exported_at desc nulls last, loaded_at desc nulls last,
                    sequence_number desc nulls last
            ) as recency
        from human_updates
    ) as ranked
    where recency = 1
),

financials as (
    select
        invoice_key,
        invoice_number,
        office,
        account_id,
        account_name,
        project,
        project_director,
        director_email,
        collector,
        invoice_on,
        due_on,
        currency,
        amount,
        source_balance,
        stage as system_stage,
        coalesce(last_modified_at, exported_at) as system_updated_at,
        'salesforce' as financial_source
    from salesforce_newest

    union all

    select
        tracker_newest.invoice_key,
        tracker_newest.invoice_number,
        tracker_newest.office,
        null as account_id,
        tracker_newest.account_name,
        null as project,
        null as project_director,
        null as director_email,
        null as collector,
        null as invoice_on,
        tracker_newest.due_on,
        null as currency,
        tracker_newest.amount,
        cast(null as decimal(18, 2)) as source_balance,  -- typed: PostgreSQL drops the scale otherwise
        null as system_stage,
        null as system_updated_at,
        'tracker' as financial_source
    from tracker_newest
    where not exists (
        select 1
        from salesforce_newest
        where salesforce_newest.invoice_key = tracker_newest.invoice_key
    )
)

select
    financials.invoice_key,
    financials.invoice_number,
    financials.office,
    financials.account_id,
    financials.account_name,
    financials.project,
    financials.project_director,
    financials.director_email,
    financials.collector,
    financials.invoice_on,
    financials.due_on,
    financials.currency,
    financials.amount,
    financials.source_balance,
    financials.financial_source,
    coalesce(human_status.stage, financials.system_stage) as stage,
    human_status.notes,
    case
        when human_status.stage is not null then human_status.updated_at
        else financials.system_updated_at
    end as last_update_at,
    case
        when human_status.stage is not null then human_status.update_source
        else financials.financial_source
    end as last_update_source,
    document_urls.document_url,
    document_files.document_file,
    document_files.document_sha256,
    source_records.source_records,
    md5('{{ status_rules }}') as status_rules
from financials
left join human_status using (invoice_key)
left join document_urls using (invoice_key)
left join document_files using (invoice_key)
inner join source_records using (invoice_key)
