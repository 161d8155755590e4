-- One row per invoice ever known, with when it was settled: the ledger's own invoices and the
-- invoice history exported from another system (sources.history).
--
-- settled_on of a ledger invoice is the day the ledger first saw it paid, the earliest of:
--   1. payment files: the received_on of the payment whose application brought the cash
--      applied to the invoice up to its amount (payments in received order);
--   2. Salesforce: the Last Modified Date (local date in the policy's time zone; the export's
--      date when the row has none) of the first record with balance 0 after the last record
--      with a balance (a reopened invoice settles again);
--   3. the snapshot: the as-of date of the first ledger version with status `paid`;
-- and the run's as-of date when none applies. Open invoices have none.
-- disputed_on: the earlier of the first dispute a collector recorded (marts.disputes) and the
-- first snapshot version in a `Disputed` stage (ledger); for history rows
-- the export only says whether an invoice was ever disputed, not when, so it counts as known
-- on the settlement date (open: when the export was made).
-- A history invoice the ledger also knows (same office and normalized number) is the ledger's.

with ledger as (
    select * from {{ ref('ar_ledger') }}
),

applied_running as (
    select
        applications.invoice_key,
        payments.received_on,
        sum(applications.applied_amount) over (
            partition by applications.invoice_key
            order by payments.received_on, applications.payment_id
            rows between unbounded preceding and current row
        ) as applied_to_date
    from {{ ref('payment_applications') }} as applications
    inner join {{ ref('payments') }} as payments using (payment_id)
),

bank_cleared as (
    select
        applied_running.invoice_key,
        min(applied_running.received_on) as cleared_on
    from applied_running
    inner join ledger using (invoice_key)
    where applied_running.applied_to_date >= ledger.amount
    group by applied_running.invoice_key
),

source_records as (
    select
        invoice_key,
        source_balance,
        coalesce(last_modified_at, exported_at) as seen_at
    from {{ ref('stg_salesforce__invoices') }}
),

last_open_record as (
    select
        invoice_key,
        max(seen_at) as last_open_at
    from source_records
    where source_balance > 0
    group by invoice_key
),

source_settled as (
    select
        source_records.invoice_key,
        {{ utc_to_local_date('min(source_records.seen_at)') }} as settled_on
    from source_records
    left join last_open_record using (invoice_key)
    where
        source_records.source_balance = 0
        and (last_open_record.last_open_at is null or source_records.seen_at > last_open_record.last_open_at)
    group by source_records.invoice_key
),

formal_disputes as (
    select
        invoice_key,
        min(opened_on) as first_opened_on
    from {{ ref('disputes') }}
    where invoice_key is not null
    group by invoice_key
),

snapshot_seen as (
    select
        invoice_key,
        min(as_of_date) filter (where status = 'paid') as first_paid_as_of,
        min(as_of_date) filter (where lower(stage) = 'disputed') as first_disputed_as_of
    from {{ ref('snap_ar_ledger__invoices') }}
    group by invoice_key
),

ledger_rows as (
    select
        ledger.account_id,
        ledger.invoice_key,
        ledger.office,
        ledger.invoice_date,
        ledger.due_date as due_on,
        ledger.amount,
        ledger.currency,
        case
            when ledger.status = 'paid' then least(
                coalesce(
                    least(bank_cleared.cleared_on, source_settled.settled_on, snapshot_seen.first_paid_as_of),
                    ledger.as_of_date
                ),
                ledger.as_of_date
            )
        end as settled_on,
        coalesce(
            formal_disputes.first_opened_on is not null
            or snapshot_seen.first_disputed_as_of is not null
            or lower(ledger.stage) = 'disputed',
            false
        ) as is_disputed,
        case
            when formal_disputes.first_opened_on is not null or snapshot_seen.first_disputed_as_of is not null
                then least(formal_disputes.first_opened_on, snapshot_seen.first_disputed_as_of)
            when lower(ledger.stage) = 'disputed' then ledger.as_of_date
        end as disputed_on,
        'ledger' as source
    from ledger
    left join bank_cleared using (invoice_key)
    left join source_settled using (invoice_key)
    left join snapshot_seen using (invoice_key)
    left join formal_disputes using (invoice_key)
),

history_newest as (
    select
        account_id,
        invoice_key,
        office,
        invoice_on,
        due_on,
        amount,
        currency,
        is_disputed,
        settled_on,
        exported_at
    from (
        select
            *,
            row_number() over (
                partition by invoice_key
                order by
                    exported_at desc nulls last, loaded_at desc nulls last, source_row_number desc nulls last
            ) as recency
        from {{ ref('stg_history__invoices') }}
    ) as ranked
    where recency = 1
),

history_rows as (
    select
        history_newest.account_id,
        history_newest.invoice_key,
        history_newest.office,
        history_newest.invoice_on as invoice_date,
        history_newest.due_on,
        history_newest.amount,
        history_newest.currency,
        history_newest.settled_on,
        history_newest.is_disputed or formal_disputes.first_opened_on is not null as is_disputed,
        case
            when history_newest.is_disputed or formal_disputes.first_opened_on is not null then least(
                formal_disputes.first_opened_on,
                case
                    when history_newest.is_disputed
                        then coalesce(history_newest.settled_on, cast(history_newest.exported_at as date))
                end
            )
        end as disputed_on,
        'history' as source
    from history_newest
    left join formal_disputes using (invoice_key)
    where not exists (
        select 1
        from ledger
        where ledger.invoice_key = history_newest.invoice_key
    )
),

unioned as (
    select
        account_id,
        invoice_key,
        office,
        invoice_date,
        due_on,
        amount,
        currency,
        settled_on,
        is_disputed,
        disputed_on,
        source
    from ledger_rows
    union all
    select
        account_id,
        invoice_key,
        office,
        invoice_date,
        due_on,
        amount,
        currency,
        settled_on,
        is_disputed,
        disputed_on,
        source
    from history_rows
)

select
    account_id,
    invoice_key,
    office,
    invoice_date,
    due_on,
    amount,
    currency,
    settled_on,
    case
        when settled_on is not null then cast({{ dbt.datediff('due_on', 'settled_on', 'day') }} as bigint)
    end as days_late,
    is_disputed,
    disputed_on,
    source
from unioned
