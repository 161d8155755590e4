{#
  A section of ledgerloop.yaml as the pipeline passes it in `--vars` (`Policy.dbt_vars()`). The
  policy model owns every default and dbt keeps no copy: a run without the var stops here, naming
  it, instead of building on defaults of its own. While dbt only parses the project (`execute`
  is false: nothing is compiled to run, e.g. the manifest Dagster reads) a missing section is an
  empty mapping, and so is every setting read from it, so that parsing needs no policy.
#}
{% macro policy(section) -%}
    {%- set value = var(section, none) -%}
    {%- if value is none and execute -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ section ~ "' is required: the `" ~ section ~ "` part of ledgerloop.yaml, which "
            ~ "ledgerloop passes to dbt (Policy.dbt_vars()); run dbt through ledgerloop or pass them "
            ~ "with --vars") }}
    {%- endif -%}
    {{ return({} if value is none else value) }}
{%- endmacro %}

{# One setting by its path in a section: `policy_value('worklist', 'weights', 'balance')`. #}
{% macro policy_value(section) -%}
    {%- set found = namespace(value=policy(section)) -%}
    {%- if var(section, none) is not none -%}
        {%- for key in varargs -%}
            {%- set found.value = found.value[key] -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found.value) }}
{%- endmacro %}

{# A whole number of the policy: `policy_int('kpis', 'countback_months')` (0 while only parsing). #}
{% macro policy_int(section) -%}
    {{ return(policy_value(section, *varargs) | int) }}
{%- endmacro %}
