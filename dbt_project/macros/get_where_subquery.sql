{#-
    What a data test reads of the model it tests. As dbt's own (the test's `where` config), and in an incremental
    build (docs/incremental.md) only the rows that build wrote: of an incremental model the rows of the keys it
    replaced (its `touched_model`), of a social staging model the copies loaded in the increment. Every other
    row was tested by the build that wrote it, and that build was published, so it passed.
    A test over one key (unique, not null, accepted values, a relationship from the model) is exact on those
    rows: every row of a replaced key is read, so a duplicate of a replaced key is found. A staging copy's key
    (`<file SHA-256>:<position>`) is new with its file, as a file is loaded once by its SHA-256.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- if config.get('where') -%}
        {%- do filters.append(config.get('where')) -%}
    {%- endif -%}
    {%- set increment = increment_rows(relation) -%}
    {%- if increment -%}
        {%- do filters.append(increment) -%}
    {%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ (filters | join(' and ')) ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The condition that keeps the rows an incremental build wrote into a model, or none (all rows). -#}
{% macro increment_rows(relation) %}
    {%- if not execute or increment_after() is none or relation.identifier is not defined -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == relation.identifier
        and node.schema == relation.schema -%}
        {%- if node.config.get('incremental_strategy') == 'replace_touched' -%}
            {%- set key = node.config.get('touched_key') -%}
            {%- set touched = graph.nodes['model.dialoog.' ~ node.config.get('touched_model')] -%}
            {%- set touched = api.Relation.create(
                database=touched.database, schema=touched.schema, identifier=touched.alias) -%}
            {%- if key is string -%}
                {%- set model_key = node.config.get('touched_model_key') or key -%}
                {{ return(key ~ ' in (select ' ~ model_key ~ ' from ' ~ touched ~ ')') }}
            {%- else -%}
                {{ return('(' ~ (key | join(', ')) ~ ') in (select ' ~ (key | join(', ')) ~ ' from ' ~ touched ~ ')') }}
            {%- endif -%}
        {%- elif node.name in var('social_message_models') -%}
            {{ return("loaded_at > '" ~ increment_after() ~ "'::timestamptz") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}
