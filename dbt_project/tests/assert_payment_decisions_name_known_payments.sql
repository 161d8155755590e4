-- A decision for a payment no file has brought (a typo, or a file not yet loaded) does
-- nothing: say so instead of ignoring it.
{{ config(severity='warn') }}

select distinct
    decisions.payment_id,
    decisions.decision_id,
    decisions.decided_by
from {{ ref('stg_payments__decisions') }} as decisions
where
    not exists (
        select 1
        from {{ ref('int_payments_deduplicated') }} as payments
        where payments.payment_id = decisions.payment_id
    )
