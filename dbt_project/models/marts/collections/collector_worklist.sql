-- Each collector's ranked list for the day, one row per account (its invoices and queued
-- payments are in marts.collector_worklist_items; a queued payment no single account owns is a
-- row of its own). The account's priority score is the sum of its drivers, each counted once
-- per account and said in words with its numbers (`drivers`: JSON list of {driver, label,
-- points}); its reason is the first of the policy's reasons that holds for any of its items, the
-- next action and due date those of that item; `notes` are its standing records that add no
-- points (a promise not yet due, a dispute, a plan on track, a director's answer). The
-- contact's name, email and phone come from the customer contacts file.

with items as (
    select
        *,
        coalesce(account_id, item_key) as group_key
    from {{ ref('collector_worklist_items') }}
),

currency_totals as (
    select
        collector,
        group_key,
        currency,
        count(*) as invoices,
        sum(balance) as balance
    from items
    where invoice_key is not null
    group by collector, group_key, currency
),

balance_ranks as (
    -- Each account's balance ranked among the accounts with a balance in that currency.
    select
        collector,
        group_key,
        max({{ worklist_points(worklist_weight('balance') ~ ' * rank_in_currency', is_double=true) }}) as balance_points,
        string_agg({{ money_text('currency', 'balance') }}, ' and ' order by balance desc nulls last, currency asc)
            as balances_text,
        count(*) as currencies,
        min(currency) as only_currency,
        cast(sum(balance) as decimal(18, 2)) as balance_sum
    from (
        select
            *,
            cume_dist() over (partition by currency order by balance) as rank_in_currency
        from currency_totals
    ) as ranked
    group by collector, group_key
),

oldest as (
    -- The account's longest-overdue open invoice, and the invoices in its aging bucket.
    select distinct on (collector, group_key)
        collector,
        group_key,
        due_date,
        days_past_due,
        aging_bucket,
        days_past_due_points,
        aging_bucket_points
    from items
    where invoice_key is not null
    order by collector, group_key, days_past_due desc nulls last, balance desc nulls last, item_key asc
),

bucket_totals as (
    select
        collector,
        group_key,
        aging_bucket,
        currency,
        count(*) as invoices,
        sum(balance) as balance
    from items
    where invoice_key is not null
    group by collector, group_key, aging_bucket, currency
),

oldest_bucket as (
    -- `3 invoices 61–90 days, USD 28,974.39`: the invoices in the oldest invoice's bucket.
    select
        bucket_totals.collector,
        bucket_totals.group_key,
        {{ count_text('sum(bucket_totals.invoices)', 'invoice', 'invoices') }} || ' '
        || {{ bucket_text('min(bucket_totals.aging_bucket)') }} || ', '
        || string_agg(
            {{ money_text('bucket_totals.currency', 'bucket_totals.balance') }}, ' and '
            order by bucket_totals.balance desc nulls last, bucket_totals.currency asc
        ) as label
    from bucket_totals
    inner join oldest using (collector, group_key, aging_bucket)
    group by bucket_totals.collector, bucket_totals.group_key
),

accounts as (
    select
        collector,
        group_key,
        min(account_id) as account_id,
        min(account_name) as account_name,
        min(payment_id) filter (where account_id is null) as payment_id,
        count(invoice_key) as open_invoices,
        count(invoice_key) filter (where days_past_due > 0) as past_due_invoices,
        max(last_touch_at) filter (where invoice_key is not null) as last_contact_at,
        min(invoice_date) as oldest_invoice_date,
        min({{ worklist_reason_position('reason') }}) as reason_position,
        max(payment_risk_points) as payment_risk_points,
        max(risk_context) as risk_context,
        max(unmatched_payment_points + days_unmatched_points) as queued_payment_points,
        string_agg(payment_text, '; ' order by item_key) as payment_label,
        bool_or(is_promise_to_pay_broken) as any_promise_to_pay_broken,
        bool_or(is_promise_to_pay_due) as any_promise_to_pay_due,
        bool_or(is_promise_broken) as any_broken_promise,
        bool_or(is_promise_due) as any_promise_due,
        bool_or(is_director_dispute) as any_director_dispute,
        bool_or(is_dispute_overdue) as any_dispute_overdue,
        bool_or(is_dispute_deadline_near) as any_dispute_deadline_near,
        bool_or(is_plan_behind) as any_plan_behind,
        bool_or(is_dunning_call_due) as any_dunning_call,
        string_agg(distinct promise_text, '; ' order by promise_text) filter (where is_promise_to_pay_broken) as promise_broken_label,
        string_agg(distinct promise_text, '; ' order by promise_text) filter (where is_promise_to_pay_due) as promise_due_label,
        string_agg(director_line, '; ' order by director_line) filter (where is_promise_broken) as dir_broken_label,
        string_agg(director_line, '; ' order by director_line) filter (where is_promise_due) as dir_due_label,
        string_agg(director_line, '; ' order by director_line) filter (where is_director_dispute) as dir_dispute_label,
        string_agg(dispute_line, '; ' order by dispute_line) filter (where is_dispute_pressing) as dispute_label,
        string_agg(distinct plan_text, '; ' order by plan_text) filter (where is_plan_behind) as plan_label,
        'reminders reached their call step for '
        || string_agg(display_number, ', ' order by display_number) filter (where is_dunning_call_due) as call_label,
        -- standing records that add no points: the row's notes
        string_agg(distinct promise_text, '; ' order by promise_text) filter (where is_promise_to_pay_pending) as pending_promise_note,
        string_agg(dispute_line, '; ' order by dispute_line) filter (where is_dispute_waiting) as dispute_note,
        string_agg(distinct plan_text, '; ' order by plan_text) filter (where is_plan_on_track) as plan_note,
        string_agg(director_line, '; ' order by director_line) filter (where is_director_note) as director_note,
        max(as_of_date) as as_of_date
    from (
        select
            *,
            display_number || ': ' || director_text as director_line,
            display_number || ': ' || dispute_text as dispute_line,
            is_dispute_overdue or is_dispute_deadline_near as is_dispute_pressing,
            is_dispute_open and not (is_dispute_overdue or is_dispute_deadline_near) as is_dispute_waiting,
            director_text is not null and not (is_promise_broken or is_promise_due or is_director_dispute)
                as is_director_note
        from items
    ) as items
    group by collector, group_key
),

contacted as (
    select
        *,
        greatest(
            as_of_date - coalesce(cast(last_contact_at as date), oldest_invoice_date, as_of_date), 0
        ) as days_since_contact,
        concat_ws('; ', pending_promise_note, dispute_note, plan_note, director_note) as notes
    from accounts
),

scored as (
    select
        contacted.*,
        coalesce(balance_ranks.balance_points, 0) as balance_points,
        coalesce(oldest.days_past_due_points, 0) as days_past_due_points,
        coalesce(oldest.aging_bucket_points, 0) as aging_bucket_points,
        {{ worklist_flag_points('any_promise_to_pay_broken', 'promise_to_pay_broken') }}
            as promise_to_pay_broken_points,
        {{ worklist_flag_points('any_promise_to_pay_due', 'promise_to_pay_due') }} as promise_to_pay_due_points,
        {{ worklist_flag_points('any_broken_promise', 'broken_promise') }} as broken_promise_points,
        {{ worklist_flag_points('any_promise_due', 'promise_due') }} as promise_due_points,
        {{ worklist_flag_points('any_director_dispute', 'director_dispute') }} as director_dispute_points,
        {{ worklist_flag_points('any_dispute_overdue', 'dispute_overdue') }} as dispute_overdue_points,
        {{ worklist_flag_points('any_dispute_deadline_near', 'dispute_deadline_near') }}
            as dispute_deadline_near_points,
        {{ worklist_flag_points('any_plan_behind', 'plan_behind') }} as plan_behind_points,
        {{ worklist_flag_points('any_dunning_call', 'dunning_call') }} as dunning_call_points,
        case
            when contacted.open_invoices = 0 then cast(0 as decimal(18, 2))
            else {{ worklist_points(worklist_weight('per_day_untouched') ~ ' * least(contacted.days_since_contact, '
                ~ policy_int('worklist', 'weights', 'days_untouched_cap') ~ ')') }}
        end as no_contact_points,
        balance_ranks.balances_text,
        balance_ranks.currencies,
        balance_ranks.only_currency,
        balance_ranks.balance_sum,
        oldest.due_date,
        oldest.days_past_due,
        oldest.aging_bucket,
        oldest_bucket.label as oldest_bucket_label
    from contacted
    left join balance_ranks using (collector, group_key)
    left join oldest using (collector, group_key)
    left join oldest_bucket using (collector, group_key)
),

totalled as (
    select
        *,
        balance_points + days_past_due_points + aging_bucket_points + no_contact_points + payment_risk_points
        + coalesce(queued_payment_points, 0) + promise_to_pay_broken_points + promise_to_pay_due_points
        + broken_promise_points + promise_due_points + director_dispute_points + dispute_overdue_points
        + dispute_deadline_near_points + plan_behind_points + dunning_call_points as priority_score
    from scored
),

item_reasons as (
    -- Per account, each reason its items are listed for, with the first date one is due by.
    select
        collector,
        group_key,
        reason,
        min(next_action) as next_action,
        min(due_by) as due_by
    from items
    group by collector, group_key, reason
),

decided as (
    -- The account's reason is its most urgent item's; that item's action is due first.
    select
        totalled.*,
        item_reasons.reason,
        item_reasons.next_action,
        item_reasons.due_by
    from totalled
    inner join item_reasons
        on
            totalled.collector = item_reasons.collector
            and totalled.group_key = item_reasons.group_key
            and totalled.reason_position = {{ worklist_reason_position('item_reasons.reason') }}
)

select
    decided.collector,
    row_number() over (
        partition by decided.collector
        order by decided.priority_score desc nulls last, decided.days_past_due desc nulls last, decided.group_key asc
    ) as rank,
    decided.group_key as item_key,
    decided.account_id,
    decided.account_name,
    decided.payment_id,
    contacts.contact_name,
    contacts.contact_email,
    contacts.contact_phone,
    decided.open_invoices,
    decided.past_due_invoices,
    case when decided.currencies = 1 then decided.only_currency end as currency,
    cast(case when decided.currencies = 1 then decided.balance_sum end as decimal(18, 2)) as balance,
    decided.balances_text as open_balances,
    decided.due_date,
    decided.days_past_due,
    decided.aging_bucket,
    decided.reason,
    decided.next_action,
    decided.due_by,
    cast(decided.priority_score as decimal(18, 2)) as priority_score,
    {{ ll_worklist_account_drivers_json([
        ('balance', "balances_text || ' open in ' || " ~ count_text('open_invoices', 'invoice', 'invoices'),
            'balance_points'),
        ('days_past_due', "'oldest invoice ' || days_past_due || ' days past due'", 'days_past_due_points'),
        ('aging_bucket', 'oldest_bucket_label', 'aging_bucket_points'),
        ('no_contact', "case when last_contact_at is null then 'no contact logged since the oldest open invoice ('"
            ~ " || days_since_contact || ' days)' else 'no contact for ' || "
            ~ count_text('days_since_contact', 'day', 'days') ~ " end", 'no_contact_points'),
        ('promise_to_pay_broken', 'promise_broken_label', 'promise_to_pay_broken_points'),
        ('promise_to_pay_due', 'promise_due_label', 'promise_to_pay_due_points'),
        ('broken_promise', 'dir_broken_label', 'broken_promise_points'),
        ('promise_due', 'dir_due_label', 'promise_due_points'),
        ('director_dispute', 'dir_dispute_label', 'director_dispute_points'),
        ('dispute_overdue', 'dispute_label', 'dispute_overdue_points'),
        ('dispute_deadline_near', 'dispute_label', 'dispute_deadline_near_points'),
        ('plan_behind', 'plan_label', 'plan_behind_points'),
        ('dunning_call', 'call_label', 'dunning_call_points'),
        ('queued_payment', 'payment_label', 'coalesce(queued_payment_points, 0)'),
        ('payment_risk', 'risk_context', 'payment_risk_points'),
    ]) }} as drivers,
    nullif(decided.notes, '') as notes,
    decided.last_contact_at,
    decided.days_since_contact,
    decided.as_of_date
from decided
left join {{ ref('stg_contacts__account_contacts') }} as contacts using (account_id)
