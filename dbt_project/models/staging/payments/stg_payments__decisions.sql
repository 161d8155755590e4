-- Each line of the decisions file is one decision; a `resolve` names one or more invoices,
-- each with an optional amount. One row per (decision, invoice); `unapply` has one row.
-- The file is written by `ledgerloop payments` (see macros/payment_decisions.sql).
with source as (
    {% if payment_decisions_exist() -%}
        select * from {{ payment_decisions_relation() }}
    {%- else -%}
        {{ payment_decisions_empty() }}
    {%- endif %}
),

renamed as (
    select
        source.decision_id,
        source.payment_id,
        source.action,
        source.decided_by,
        cast(source.decided_at as timestamp) as decided_at,
        positions.position,
        source.invoices[positions.position].invoice as invoice_reference,
        cast(source.invoices[positions.position].amount as decimal(18, 2)) as amount
    from source,
        unnest(generate_series(1, greatest(len(source.invoices), 1))) as positions (position)
)

select * from renamed
