{# A `risk` setting of the policy that the features use (a number of days or invoices). #}
{% macro risk_setting(name) -%}
    {{ return(policy_int('risk', name)) }}
{%- endmacro %}

{#
  The calendar date in the team's time zone (the policy's `timezone`) of a UTC timestamp
  (without time zone). DuckDB (ICU) and PostgreSQL spell `timezone()` alike.
#}
{% macro utc_to_local_date(timestamp) -%}
    cast(timezone('{{ policy("timezone") }}', timezone('UTC', {{ timestamp }})) as date)
{%- endmacro %}

{#
  One row per month-end (`month_end`) of the months starting from `first_month` (a date on the
  first of a month) whose end falls before `before`.
#}
{% macro month_ends_between(first_month, before) -%}
    select cast(month_start + interval '1 month' - interval '1 day' as date) as month_end
    from (
        select {{ ll_monthly_rows(
            'cast(' ~ first_month ~ ' as timestamp)', 'cast(' ~ before ~ ' as timestamp)'
        ) }} as month_start
    ) as months
    where cast(month_start + interval '1 month' - interval '1 day' as date) < {{ before }}
{%- endmacro %}

{# Open ends of date ranges, so range joins stay plain inequalities (no `is null or`). #}
{% macro far_future() -%} cast('9999-12-31' as date) {%- endmacro %}
{% macro far_past() -%} cast('0001-01-01' as date) {%- endmacro %}

{# One row per integer in [start, stop) for each input row, as column `i`. #}
{% macro index_series(start, stop) -%}
    {{ ll_integer_rows(start, stop) }}
{%- endmacro %}

{#
  Index of the first as-of date of the feature grid on or after `day` (the grid is the month-ends
  from `first_month` on, index 0, then the run's as-of date at `current_index`): the months from
  `first_month` to `day`, at least 0 and at most `current_index`; null when `day` is after the
  run's as-of date (never on or before a grid date). So `day <= grid date i` exactly when this
  index is not null and <= i. A bigint on both engines (PostgreSQL's month datediff is a double).
#}
{% macro grid_index(day, params='params') -%}
    case
        when {{ day }} <= {{ params }}.as_of then least(
            {{ params }}.current_index,
            greatest(0, cast({{ dbt.datediff(params ~ '.first_month', day, 'month') }} as bigint))
        )
    end
{%- endmacro %}

{#
  int_account_risk_features is built account by account: an account's rows depend only on its own
  invoices, broken promises, plans and applied payments, and on what every account shares (the
  grid's first month, the as-of date, the `risk` settings, the model's SQL: `built_for`).
  `risk_feature_inputs()` fingerprints each account's inputs. A refresh's scope is `changed` (its
  pre-hook deletes the rows of the accounts whose fingerprint moved, and the build computes the
  accounts the table no longer holds) or `all` (every row deleted and built again).
#}
{% macro risk_feature_inputs() -%}
    -- Only accounts with an invoice issued by the as-of date: the others have no rows, and would
    -- count as changed on every refresh. decimal(38, 0): a sum PostgreSQL would leave as a
    -- numeric without a scale.
    select account_id, cast(sum(row_hash) as decimal(38, 0)) as inputs_fingerprint
    from (
        select
            account_id,
            {{ ll_row_hash(["'invoice'", 'invoice_key', 'invoice_date', 'due_on', 'amount', 'settled_on',
                            'days_late', 'disputed_on']) }} as row_hash,
            coalesce(invoice_date, due_on) <= {{ as_of_date() }} as is_issued
        from {{ ref('int_invoice_payment_history') }}
        where account_id is not null and due_on is not null
        union all
        select account_id, {{ ll_row_hash(["'broken promise'", 'broken_on']) }}, false
        from {{ ref('promises_to_pay') }}
        where is_broken and account_id is not null
        union all
        select account_id, {{ ll_row_hash(["'plan installment'", 'plan_id', 'currency', 'made_on', 'due_on',
                                           'amount']) }}, false
        from {{ ref('payment_plans') }}
        where account_id is not null
        union all
        select account_id, {{ ll_row_hash(["'applied payment'", 'currency', 'received_on', 'applied_amount']) }},
            false
        from {{ ref('int_account_payments_applied') }}
        where account_id is not null
    ) as rows_hashed
    group by account_id
    having {{ dbt.bool_or('is_issued') }}
{%- endmacro %}

{# What every account's rows share, as text: the grid's first month, the as-of date, the settings,
   the model's SQL and the code it runs on (`code_digest`: the project's macros and the dbt,
   adapter and DuckDB versions, passed by the pipeline). `first_month` is the grid's first month
   (an expression). #}
{% macro risk_features_built_for(first_month) -%}
    cast({{ first_month }} as {{ dbt.type_string() }}) || ' to ' || cast({{ as_of_date() }} as {{ dbt.type_string() }})
    || ' | recent invoices {{ risk_setting("recent_invoices") }}, late after {{ risk_setting("late_threshold_days") }} days'
    || ' | sql {{ model.checksum.checksum[:16] }}, code {{ var("code_digest", "unknown") }}'
{%- endmacro %}

{# The grid's first month from every account's invoices: the month of the first invoice if it
   starts on the 1st, else the month after. #}
{% macro risk_features_first_month(issued_on) -%}
    case
        when min({{ issued_on }}) = cast({{ dbt.date_trunc('month', 'min(' ~ issued_on ~ ')') }} as date)
            then min({{ issued_on }})
        else cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'min(' ~ issued_on ~ ')')) }} as date)
    end
{%- endmacro %}

{# The accounts whose inputs changed since their rows were built: a fingerprint that moved, an
   account new to the inputs, or one they no longer have. #}
{% macro risk_features_changed_accounts() -%}
    select coalesce(now.account_id, built.account_id) as account_id
    from ({{ risk_feature_inputs() }}) as now
    full join (
        select account_id, {{ ll_any_value('inputs_fingerprint') }} as inputs_fingerprint
        from {{ this }}
        group by account_id
    ) as built on now.account_id = built.account_id
    where now.inputs_fingerprint is distinct from built.inputs_fingerprint
{%- endmacro %}

{#
  A refresh's scope: `all` when the table predates fingerprints, when what every account shares
  moved, or when more than a quarter of the accounts changed; else `changed`. Past a quarter, a
  whole build is about as quick, and DuckDB plans the `changed` build for fewer accounts than
  it gets (it cannot know how many the table lacks): at 1M invoices that plan peaked at 0.53 GB
  for 17% of the accounts, 0.82 GB for 33% and 1.9 GB for all of them, where the whole build
  fits the 1 GB memory limit by spilling.
#}
{% macro risk_features_scope() -%}
    {%- if not execute or not is_incremental() %}{{ return('all') }}{% endif %}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    {%- if 'inputs_fingerprint' not in columns or 'built_for' not in columns %}{{ return('all') }}{% endif %}
    {%- set counts %}
        select
            (select count(*) from ({{ risk_features_changed_accounts() }}) as changed) as changed_accounts,
            (select count(distinct account_id) from {{ this }}) as built_accounts,
            (
                select count(*) from {{ this }}
                where built_for is distinct from (
                    select {{ risk_features_built_for(risk_features_first_month('coalesce(invoice_date, due_on)')) }}
                    from {{ ref('int_invoice_payment_history') }}
                    where account_id is not null and due_on is not null
                )
            ) as rows_built_for_other
    {%- endset %}
    {%- set changed_accounts, built_accounts, rows_built_for_other = run_query(counts).rows[0] %}
    {%- if rows_built_for_other > 0 or changed_accounts > 0.25 * built_accounts %}{{ return('all') }}{% endif %}
    {{- return('changed') }}
{%- endmacro %}

{# The pre-hook of a refresh: forget the rows its scope builds again. The body decided its scope
   when the node started, from the same tables: the warehouse has one writer (the run), so
   nothing changes them in between. #}
{% macro risk_features_forget_changed() -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    {%- if risk_features_scope() == 'changed' %}
    where account_id in ({{ risk_features_changed_accounts() }})
    {%- endif %}
    {%- endif %}
{%- endmacro %}
