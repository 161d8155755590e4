{#
  dbt-postgres names every array column's type `ARRAY` (information_schema's data_type), so a unit
  test with a list column writes `cast(null as ARRAY)`, which PostgreSQL rejects
  (dbt-labs/dbt-adapters#939). The element type is in udt_name (`_text` -> `text[]`).
#}
{% macro postgres__get_columns_in_relation(relation) -%}
  {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          case when data_type = 'ARRAY' then substr(udt_name, 2) || '[]' else data_type end as data_type,
          character_maximum_length,
          numeric_precision,
          numeric_scale
      from {{ relation.information_schema('columns') }}
      where table_name = '{{ relation.identifier }}'
        {% if relation.schema %}
        and table_schema = '{{ relation.schema }}'
        {% endif %}
      order by ordinal_position
  {% endcall %}
  {% set table = load_result('get_columns_in_relation').table %}
  {{ return(sql_convert_columns_in_relation(table)) }}
{% endmacro %}
