-- One row per invoice identity (office, normalized number) from every source record seen.
-- Financial fields: the newest system record (Salesforce by Last Modified Date, then the
-- later export, then the later row); an invoice only the legacy tracker knows takes its
-- financial fields from there. Status fields: the newest human update wins (DESIGN §4).

with salesforce_newest as (
    select *
    from {{ ref('stg_salesforce__invoices') }}
    qualify row_number() over (
        partition by invoice_key
        order by
            last_modified_at desc nulls last, exported_at desc, loaded_at desc,
            source_row_number desc
    ) = 1
),

tracker_newest as (
    select *
    from {{ ref('stg_tracker__invoices') }}
    qualify row_number() over (
        partition by invoice_key
        order by
            updated_at desc nulls last, exported_at desc, loaded_at desc,
            source_row_number desc
    ) = 1
),

human_status as (
    select
        invoice_key,
        stage,
        notes,
        coalesce(updated_at, exported_at) as updated_at,
        'tracker' as update_source
    from {{ ref('stg_tracker__invoices') }}
    where stage is not null
    qualify row_number() over (
        partition by invoice_key
        order by
            updated_at desc nulls last, exported_at desc, loaded_at desc,
            source_row_number desc
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
    end as last_update_source
from financials
left join human_status using (invoice_key)
