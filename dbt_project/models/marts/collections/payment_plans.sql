-- Payment plans collectors recorded (contract C3), one row per installment. A plan covers the
-- account's open balance in its currency; paid_to_date is what was applied to the account's
-- invoices in that currency from the day the plan was made up to the as-of date, and the running
-- balance is the plan total less that, never below 0. A plan is completed when paid in full,
-- behind when less is paid than the installments due before the as-of date add up to, else on
-- track; a newer plan for the same account and currency supersedes it.

with plans as (
    select
        entry_id,
        account_id,
        collector,
        currency,
        submitted_on as made_on,
        submitted_at,
        note,
        {{ ll_json_records('plan_installments', '[{"due_on": "DATE", "amount": "DECIMAL(18,2)"}]') }} as installments,
        row_number() over (
            partition by account_id, currency order by entry_id desc
        ) = 1 as is_current_plan
    from {{ ref('stg_portal__collector_entries') }}
    where kind = 'plan' and submitted_on <= {{ as_of_date() }}
),

installments as (
    select
        entry_id,
        installment_number,
        {{ ll_record_field(ll_record_at('installments', 'installment_number'), 'due_on', 'date') }} as due_on,
        cast({{ ll_record_field(ll_record_at('installments', 'installment_number'), 'amount', 'decimal(18, 2)') }}
            as decimal(18, 2)) as amount
    from (
        select
            entry_id,
            installments,
            {{ ll_record_positions('installments') }} as installment_number
        from plans
    ) as positions
),

scheduled as (
    select
        *,
        cast(sum(amount) over (
            partition by entry_id order by installment_number rows between unbounded preceding and current row
        ) as decimal(18, 2)) as cumulative_due,
        cast(sum(amount) over (partition by entry_id) as decimal(18, 2)) as plan_total
    from installments
),

paid as (
    select
        plans.entry_id,
        cast(coalesce(sum(applied.applied_amount), 0) as decimal(18, 2)) as paid_to_date
    from plans
    left join {{ ref('int_account_payments_applied') }} as applied
        on
            plans.account_id = applied.account_id
            and plans.currency = applied.currency
            and plans.made_on <= applied.received_on
    group by plans.entry_id
),

due_so_far as (
    select
        entry_id,
        cast(coalesce(max(cumulative_due) filter (where due_on < {{ as_of_date() }}), 0) as decimal(18, 2))
            as due_to_date,
        max(plan_total) as plan_total
    from scheduled
    group by entry_id
),

per_plan as (
    select
        plans.entry_id,
        plans.is_current_plan,
        paid.paid_to_date,
        due_so_far.due_to_date,
        case
            when not plans.is_current_plan then 'superseded'
            when paid.paid_to_date >= due_so_far.plan_total then 'completed'
            when paid.paid_to_date < due_so_far.due_to_date then 'behind'
            else 'on_track'
        end as status
    from plans
    inner join paid using (entry_id)
    inner join due_so_far using (entry_id)
)

select
    cast(plans.entry_id as varchar) as plan_id,
    plans.account_id,
    plans.collector,
    plans.currency,
    scheduled.installment_number,
    scheduled.due_on,
    scheduled.amount,
    scheduled.cumulative_due,
    per_plan.paid_to_date,
    cast(greatest(scheduled.plan_total - per_plan.paid_to_date, 0) as decimal(18, 2)) as running_balance,
    per_plan.status,
    per_plan.is_current_plan,
    scheduled.plan_total,
    per_plan.due_to_date,
    scheduled.due_on < {{ as_of_date() }} as is_installment_due,
    per_plan.paid_to_date >= scheduled.cumulative_due as is_installment_paid,
    plans.made_on,
    plans.submitted_at as made_at,
    plans.note,
    {{ as_of_date() }} as as_of
from plans
inner join scheduled using (entry_id)
inner join per_plan using (entry_id)
