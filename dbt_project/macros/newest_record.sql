{# The order that puts a source's newest record of an invoice first: the newest change the
   source stamped (`changed_at`, unknown last), then the later export, load and row. #}
{% macro newest_record_first(changed_at) -%}
    {{ changed_at }} desc nulls last, exported_at desc, loaded_at desc, source_row_number desc
{%- endmacro %}
