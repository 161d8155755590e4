-- No invoice receives more than its open balance across all payments, and every application
-- is of a positive amount to a known invoice.
select
    applications.invoice_key,
    sum(applications.applied_amount) as applied,
    {{ ll_any_value('invoices.open_balance') }} as open_balance
from {{ ref('payment_applications') }} as applications
left join {{ ref('int_invoices_open_for_matching') }} as invoices using (invoice_key)
group by applications.invoice_key
having
    sum(applications.applied_amount) > coalesce({{ ll_any_value('invoices.open_balance') }}, 0)
    or min(applications.applied_amount) <= 0
