-- Money from payments placed on invoices: one row per (payment, invoice), with the rule that
-- placed it, its confidence and the evidence a person can check.

select
    payment_id,
    invoice_key,
    applied_amount,
    rule,
    confidence,
    evidence,
    write_off_amount as write_off_candidate_amount,
    decided_by,
    decided_at
from {{ ref('int_payment_applications_allocated') }}
where fits
