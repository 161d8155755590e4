-- Money from payments placed on invoices: one row per (payment, invoice), with the rule that
-- placed it, its confidence and the evidence a person can check. A short payment's difference is a
-- write-off candidate; it is written off (`written_off_amount`) only with the customer's consent,
-- which its evidence then names.

select
    applications.payment_id,
    applications.invoice_key,
    applications.applied_amount,
    applications.rule,
    applications.confidence,
    case
        when write_offs.consent_evidence is null then applications.evidence
        else applications.evidence || ' | ' || write_offs.consent_evidence
    end as evidence,
    applications.write_off_amount as write_off_candidate_amount,
    write_offs.written_off_amount,
    applications.decided_by,
    applications.decided_at
from {{ ref('int_payment_applications_allocated') }} as applications
left join {{ ref('int_payment_write_offs_consented') }} as write_offs using (payment_id, invoice_key)
where applications.fits
