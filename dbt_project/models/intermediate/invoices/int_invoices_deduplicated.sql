-- One row per invoice identity (office, normalized number) from every source record seen.
-- Financial fields: the newest system record (Salesforce by Last Modified Date, then the
-- later export, then the later row); an invoice only the legacy tracker knows takes its
-- financial fields from there. Status fields: the newest human update (tracker row or portal
-- answer) wins (DESIGN §4).

with salesforce_newest as (
    select *
    from {{ ref('stg_salesforce__invoices') }}
    qualify row_number() over (
        partition by invoice_key
        order by {{ newest_record_first('last_modified_at') }}
    ) = 1
),

tracker_newest as (
    select *
    from {{ ref('stg_tracker__invoices') }}
    qualify row_number() over (
        partition by invoice_key
        order by {{ newest_record_first('updated_at') }}
    ) = 1
),

document_urls as (
    -- The newest document address Salesforce gave an invoice: an export without the column
    -- (or a row with it empty) does not take away the copy an earlier export linked.
    select
        invoice_key,
        document_url
    from {{ ref('stg_salesforce__invoices') }}
    where document_url is not null
    qualify row_number() over (
        partition by invoice_key
        order by {{ newest_record_first('last_modified_at') }}
    ) = 1
),

document_files as (
    -- The invoice's servable PDF in documents/<office>/ (a newer file wins over another spelling
    -- of the same number).
    select
        invoice_key,
        document_file,
        document_sha256
    from {{ ref('stg_documents__invoice_documents') }}
    where problem is null and office is not null
    qualify row_number() over (
        partition by invoice_key order by modified_at desc, document_file
    ) = 1
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

human_status as (
    -- Tracker rows and portal answers compete: the newest human update wins. A status the
    -- policy no longer maps is kept as the stage, verbatim.
    select
        invoice_key,
        stage,
        notes,
        coalesce(updated_at, exported_at) as updated_at,
        update_source
    from (
        select
            invoice_key,
            stage,
            notes,
            updated_at,
            exported_at,
            loaded_at,
            source_row_number as sequence_number,
            'tracker' as update_source
        from {{ ref('stg_tracker__invoices') }}
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
        from {{ ref('stg_portal__director_updates') }} as portal_updates
        left join portal_status_stages using (status)
    ) as human_updates
    qualify row_number() over (
        partition by invoice_key
        order by
            updated_at desc nulls last, exported_at desc, loaded_at desc,
            sequence_number desc
    ) = 1
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
        null as source_balance,
        null as system_stage,
        null as system_updated_at,
        'tracker' as financial_source
    from tracker_newest
    anti join salesforce_newest using (invoice_key)
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
    document_files.document_sha256
from financials
left join human_status using (invoice_key)
left join document_urls using (invoice_key)
left join document_files using (invoice_key)
