-- Each payment's payer resolved to an account, strongest evidence first: an alias staff taught
-- by a decision, then the account's full name, then its name without legal form (`Inc.`,
-- `Ltd`, ...), then a bank-truncated name that starts exactly one account's name. Two accounts
-- on the strongest evidence: ambiguous.

{%- set prefix_length = policy_int('matching', 'payer_prefix_min_length') %}

with payments as (
    select payment_id, payer_key, payer_clean
    from {{ ref('int_payments_deduplicated') }}
    where payer_key is not null
),

aliases as (
    select * from {{ ref('int_payer_aliases') }}
),

evidence as (
    select payments.payment_id, aliases.account_id, 1 as strength, 'alias taught by a decision' as payer_match
    from payments
    inner join aliases on aliases.payer_key = payments.payer_key and aliases.alias_source = 'decision'

    union all

    select payments.payment_id, aliases.account_id, 2 as strength, 'account legal name' as payer_match
    from payments
    inner join aliases on aliases.name_clean = payments.payer_clean and aliases.alias_source = 'account_name'

    union all

    select payments.payment_id, aliases.account_id, 3 as strength, 'account name' as payer_match
    from payments
    inner join aliases on aliases.payer_key = payments.payer_key and aliases.alias_source = 'account_name'

    union all

    select payments.payment_id, aliases.account_id, 4 as strength, 'truncated account name' as payer_match
    from payments
    inner join aliases
        on
            aliases.alias_source = 'account_name'
            and length(payments.payer_clean) >= {{ prefix_length }}
            and left(aliases.name_clean, {{ prefix_length }}) = left(payments.payer_clean, {{ prefix_length }})
            and starts_with(aliases.name_clean, payments.payer_clean)
),

ranked as (
    select
        *,
        min(strength) over (partition by payment_id) as strongest
    from evidence
)

select
    payment_id,
    case when count(distinct account_id) = 1 then min(account_id) end as account_id,
    count(distinct account_id) as accounts_found,
    array_agg(distinct account_id order by account_id) as candidate_accounts,
    min(payer_match) as payer_match
from ranked
where strength = strongest
group by payment_id
