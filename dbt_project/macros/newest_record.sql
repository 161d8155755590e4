{# The order that puts a source's newest record of an invoice first: the newest change the
   source stamped (`changed_at`, unknown last), then the later export, load and row (each
   `nulls last`: DuckDB's default for `desc`, spelled out for PostgreSQL, whose default is first). #}
{% macro newest_record_first(changed_at) -%}
    {{ changed_at }} desc nulls last, exported_at desc nulls last, loaded_at desc nulls last,
    source_row_number desc nulls last
{%- endmacro %}
