{#-
    Incremental builds (docs/incremental.md). `steps.build` runs either `dbt build --full-refresh` or
    `DIALOOG_INCREMENT_AFTER=<timestamp> dbt build`: then only what the social message copies loaded after
    that moment touch is recomputed. The models of `models/intermediate/increment/` say what that is; each
    incremental model names its set in its config (`touched_model`, the key `touched_key` it is deleted by,
    and `touched_model_key`, the set's column, when it has another name), and the strategy `replace_touched`
    deletes those keys and inserts what the model computed for them. A key that no longer has rows (a message
    that stopped being a question) is deleted and not inserted again, which `delete+insert` would not do.
-#}

{#- The moment after which loaded copies make up this build's increment; none in a full build. From the
    environment (`DIALOOG_INCREMENT_AFTER`, set by steps.build), read only when dbt executes: a var, or an
    environment variable read while parsing, that changes every hour makes dbt parse the whole project again
    (5.5 s instead of 2.9 s here). While parsing it is none; the models declare their refs outside their
    branches (`-- depends_on:`), so the graph is the same in both kinds of build. -#}
{% macro increment_after() %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(env_var('DIALOOG_INCREMENT_AFTER', '') or none) }}
{% endmacro %}

{#- A model's filter to the keys of this build's increment: `where {{ touched_only('message_id') }}`; true in a
    full build (every key). A key of several columns is a list, as is then the set's `touched_model_key`. -#}
{% macro touched_only(column, touched_model='int_increment_messages_touched', touched_model_key='message_id') %}
    {%- if is_incremental() and column is string -%}
        {{ column }} in (select touched.{{ touched_model_key }} from {{ ref(touched_model) }} as touched)
    {%- elif is_incremental() -%}
        {#- a key of several columns: lists of the model's columns and the set's. Each column is also probed on its
            own first: DuckDB pushes a one-column probe into the table's scan, a probe of several columns it does not
            (fct_channel_activity hashed all 14 M addressed messages' channel and day, at bench scale 10) -#}
        ({{ column | join(', ') }}) in (
            select {% for key in touched_model_key %}touched.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            from {{ ref(touched_model) }} as touched
        )
        {%- for key in touched_model_key %}
        and {{ column[loop.index0] }} in (select touched.{{ key }} from {{ ref(touched_model) }} as touched)
        {%- endfor -%}
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}

{% macro get_incremental_replace_touched_sql(arg_dict) %}
    {%- if increment_after() is none -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " is already built: an incremental build needs DIALOOG_INCREMENT_AFTER (steps.build "
            ~ "sets it) or --full-refresh") }}
    {%- endif -%}
    {%- set key = config.require('touched_key') -%}
    {%- set touched = ref(config.require('touched_model')) -%}
    {%- set touched_model_key = config.get('touched_model_key') or key -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if key is string %}
    delete from {{ arg_dict['target_relation'] }}
    where {{ key }} in (select {{ touched_model_key }} from {{ touched }});
    {%- else %}
    {#- a key of several columns (the set has the same column names) #}
    delete from {{ arg_dict['target_relation'] }} as replaced
    using {{ touched }} as touched
    where {% for column in key %}replaced.{{ column }} = touched.{{ column }}{{ ' and ' if not loop.last }}{% endfor %};
    {%- endif %}
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

{#- The table a model wrote in the previous build (read before this build replaces its touched rows), or
    none when there is none yet. By name, not `ref`: the model runs after the one reading it. -#}
{% macro previous_build_of(model_name) %}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set node = graph.nodes['model.dialoog.' ~ model_name] -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{% endmacro %}
