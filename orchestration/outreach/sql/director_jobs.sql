-- Open invoices a director must answer about (policy `portal.needs_answer`), with the
-- director's newest portal answer: their own only, so when an invoice moves to another director
-- the new one never sees the old one's note. Stages: an empty list means any stage.
with newest_answer as (
    select
        invoice_key,
        director_email,
        status,
        note,
        submitted_at
    from raw.director_updates
    qualify row_number() over (
        partition by invoice_key, director_email order by submitted_at desc, update_id desc
    ) = 1
)

select
    lower(trim(ledger.director_email)) as director_email,
    coalesce(nullif(trim(ledger.project_director), ''), lower(trim(ledger.director_email)))
        as director_name,
    ledger.invoice_key,
    ledger.invoice_number,
    ledger.office,
    ledger.account_id,
    ledger.account_name,
    coalesce(ledger.project, '') as project,
    coalesce(ledger.currency, '') as currency,
    ledger.amount,
    ledger.balance,
    ledger.due_date,
    ledger.days_past_due,
    ledger.aging_bucket,
    coalesce(ledger.stage, '') as stage,
    coalesce(ledger.collector, '') as collector,
    newest_answer.status || coalesce(': ' || newest_answer.note, '') as last_answer,
    newest_answer.submitted_at as last_answer_at,
    regexp_full_match(trim(coalesce(ledger.director_email, '')), '[^@\s]+@[^@\s]+\.[^@\s]+')
        as has_director_email
from marts.ar_ledger as ledger
left join newest_answer
    on newest_answer.invoice_key = ledger.invoice_key
    and newest_answer.director_email = lower(trim(ledger.director_email))
where
    ledger.status = 'open'
    and (len($stages::varchar []) = 0 or list_contains($stages::varchar [], ledger.stage))
    and ledger.days_past_due >= $min_days_past_due
    and ledger.balance >= $min_balance::decimal(18, 2)
order by director_email, ledger.days_past_due desc, ledger.invoice_key
