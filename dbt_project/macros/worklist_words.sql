{# Words people read on worklists, timelines and alerts: money, days, buckets and counts as a
   collector says them ("3 invoices 61–90 days, USD 28,974.39"; "promised by 10 Dec"). What the
   engines spell differently is in macros/portable/collections.sql. #}

{# `USD 28,974.39` (the amount alone when there is no currency). #}
{% macro money_text(currency, amount) -%}
    (coalesce({{ currency }} || ' ', '') || {{ ll_thousands_2dp(amount) }})
{%- endmacro %}

{# `10 Dec`, with the year when it is not the as-of date's year (`3 Jan 2027`). #}
{% macro day_text(day) -%}
    ({{ ll_day_month(day) }}
    || case
        when extract(year from {{ day }}) <> extract(year from {{ as_of_date() }})
            then ' ' || cast(extract(year from {{ day }}) as varchar)
        else ''
    end)
{%- endmacro %}

{# `1 invoice` / `3 invoices`. #}
{% macro count_text(count, singular, plural) -%}
    (cast({{ count }} as varchar) || ' ' || case when {{ count }} = 1 then '{{ singular }}' else '{{ plural }}' end)
{%- endmacro %}

{# An aging bucket as people say it: the first bucket (not yet due) `not yet due`, a numeric
   label `61–90 days` / `90+ days`, any other label as written. #}
{% macro bucket_text(bucket) -%}
        case
        when {{ bucket }} = '{{ policy_value('aging_buckets', 0, 'label') | replace("'", "''") }}' then 'not yet due'
        when {{ ll_regexp_matches(bucket, "'^[0-9]+-[0-9]+$'") }} then replace({{ bucket }}, '-', '–') || ' days'
        when {{ ll_regexp_matches(bucket, "'^[0-9]+\\+$'") }} then {{ bucket }} || ' days'
        else {{ bucket }}
    end
{%- endmacro %}

{# The strongest part of an account's payment history that raises its risk (a record of
   feature, value, contribution from `account_risk.drivers`, or null): only history is cited,
   since the open invoices are on the row already and a feature that lowers the risk is no
   reason to call. #}
{% macro risk_history_driver(drivers) -%}
    {%- set feature = ll_record_field('d', 'feature', 'varchar') -%}
    {%- set value = ll_record_field('d', 'value', 'double precision') -%}
    {{ ll_first_json_record(
        drivers,
        '[{"feature": "VARCHAR", "value": "DOUBLE", "contribution": "DOUBLE"}]',
        'd',
        ll_record_field('d', 'contribution', 'double precision') ~ ' > 0 and (
            (' ~ feature ~ " in ('f_days_late_mean', 'f_days_late_trend') and " ~ ll_round_double(value) ~ ' >= 1)
            or (' ~ feature ~ " = 'f_share_paid_late' and " ~ value ~ ' > 0)
            or (' ~ feature ~ " in ('f_broken_promises_365d', 'f_disputes_365d') and " ~ value ~ ' >= 1)
            or (' ~ feature ~ " = 'f_has_payment_history' and " ~ value ~ ' = 0)
        )'
    ) }}
{%- endmacro %}

{# The account's payment risk in words: `high risk of paying late (72%)`, and for a medium or
   high risk the history driver behind it when there is one (`: pays 42 days late on average`).
   Never a feature code or log-odds. #}
{% macro risk_context(score, band, driver) -%}
    {%- set feature = ll_record_field(driver, 'feature', 'varchar') -%}
    {%- set value = ll_record_field(driver, 'value', 'double precision') -%}
    ({{ band }} || ' risk of paying late (' || cast({{ ll_round_double(score ~ ' * 100') }} as integer) || '%)'
    || coalesce(': ' || case (case when {{ band }} = 'low' then null else {{ feature }} end)
        when 'f_days_late_mean' then 'pays ' || cast({{ ll_round_double(value) }} as integer) || ' days late on average'
        when 'f_days_late_trend' then 'pays ' || cast({{ ll_round_double(value) }} as integer) || ' days later than before'
        when 'f_share_paid_late' then 'paid ' || cast({{ ll_round_double(value ~ ' * 100') }} as integer) || '% of recent invoices late'
        when 'f_broken_promises_365d'
            then {{ count_text('cast(' ~ value ~ ' as integer)', 'broken promise', 'broken promises') }} || ' in the last year'
        when 'f_disputes_365d'
            then {{ count_text('cast(' ~ value ~ ' as integer)', 'dispute', 'disputes') }} || ' in the last year'
        when 'f_has_payment_history' then 'no payment history yet'
    end, ''))
{%- endmacro %}

{# How a payment was placed (payment_applications.rule), in words. #}
{% macro timeline_rule_text(rule) -%}
    case {{ rule }}
        when 'reference_exact' then 'matched by its reference'
        when 'reference_multi' then 'matched by its reference with other invoices'
        when 'reference_partial' then 'part payment, matched by its reference'
        when 'reference_short_pay' then 'matched by its reference, short by less than the tolerance'
        when 'reference_overpayment' then 'overpayment, matched by its reference'
        when 'payer_amount' then 'matched by payer and amount'
        when 'payer_subset' then 'matched by payer and the total of several invoices'
        when 'manual' then 'placed by hand'
        else replace({{ rule }}, '_', ' ')
    end
{%- endmacro %}

{# A logged call's outcome (the workbench's choices), in words. #}
{% macro timeline_call_outcome(outcome) -%}
    case {{ outcome }}
        when 'reached' then 'reached the client'
        when 'voicemail' then 'left a voicemail'
        when 'no_answer' then 'no answer'
        when 'wrong_number' then 'wrong number'
        else coalesce(replace({{ outcome }}, '_', ' '), 'outcome not given')
    end
{%- endmacro %}

{# An outreach channel (dunning notices, escalations), in words. #}
{% macro timeline_channel(channel) -%}
    case {{ channel }}
        when 'email' then 'Email'
        when 'sms' then 'SMS'
        when 'letter' then 'Letter'
        when 'call_task' then 'Call task'
        when 'escalation' then 'Escalation'
        else coalesce(replace({{ channel }}, '_', ' '), 'Message')
    end
{%- endmacro %}

{# Who entered a promise or dispute: the collector's name, or `Customer (portal)` for what the
   customer entered at the customer door. #}
{% macro entry_actor(entered_by, collector) -%}
    case when {{ entered_by }} = 'customer' then 'Customer (portal)' else {{ collector }} end
{%- endmacro %}
