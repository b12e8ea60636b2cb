{#-
    Models kept in the in-memory `scratch` database (dbt_project.yml) were once tables in the warehouse
    file: drop those copies, so nobody reads a stale one. A no-op once they are gone.
-#}
{% macro drop_file_copies_of_scratch_models() %}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.database == 'scratch' %}
    drop table if exists "{{ target.database }}"."{{ node.schema }}"."{{ node.alias }}";
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
