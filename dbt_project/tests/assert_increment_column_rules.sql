{#-
    The column rules of an incremental build in one query (docs/incremental.md, "The checks of an incremental
    build"). Every `not_null`, `unique` and `accepted_values` test of the models below (every model an incremental
    build runs that has one) is checked here, on the same rows the test itself would read (the rows the build
    wrote: macros/get_where_subquery.sql), and the build leaves those tests out (`steps.build.incremental_selection`):
    an hour writes a few thousand rows, and about a hundred such tests cost dbt's fixed cost per test far more than
    their reading. One row per model and broken rule, with how many rows break it, e.g.
    `stg_x_api__messages | not_null(created_at) | 1`.

    The rules come from the tests as declared in the models' properties (their column, values and `where`), so a
    rule added there is checked here too. A test this query cannot stand in for (another severity than `error`),
    or of a model the build runs that is not among the models below, stops the build with an error instead of
    going unchecked. In a full build (no increment) this test reads nothing: the tests themselves run.
-#}
-- depends_on: {{ ref('stg_x_api__messages') }}, {{ ref('stg_x_archive__messages') }}, {{ ref('stg_facebook_graph__messages') }}
-- depends_on: {{ ref('stg_instagram_graph__messages') }}, {{ ref('stg_bluesky__messages') }}, {{ ref('stg_mastodon_api__messages') }}
-- depends_on: {{ ref('stg_mastodon_archive__messages') }}, {{ ref('stg_webcare_csv__messages') }}, {{ ref('stg_lineage__files') }}
-- depends_on: {{ ref('int_messages_deduplicated') }}, {{ ref('int_message_threads') }}, {{ ref('int_messages_addressed') }}
-- depends_on: {{ ref('int_inbound_texts_classified') }}, {{ ref('int_inbound_messages_classified') }}, {{ ref('int_questions_identified') }}
-- depends_on: {{ ref('int_replies_matched') }}, {{ ref('int_question_response_times') }}, {{ ref('int_channel_states_by_year') }}
-- depends_on: {{ ref('int_report_years') }}, {{ ref('fct_questions') }}, {{ ref('fct_replies') }}, {{ ref('fct_message_sources') }}
-- depends_on: {{ ref('fct_channel_activity') }}, {{ ref('dim_source_file') }}, {{ ref('rpt_municipality_year') }}
-- depends_on: {{ ref('rpt_national_year') }}, {{ ref('rpt_national_year_change') }}, {{ ref('rpt_platform_year') }}
-- depends_on: {{ ref('rpt_response_buckets') }}, {{ ref('rpt_size_class_year') }}, {{ ref('rpt_theme_year') }}
{%- set rule_tests = ['not_null', 'unique', 'accepted_values'] %}
{%- set checks = {} %}
{%- if execute and increment_after() is not none %}
    {%- for test in graph.nodes.values() if test.resource_type == 'test' and test.test_metadata
        and test.test_metadata.name in rule_tests
        and (test.attached_node in model.depends_on.nodes or test.attached_node in selected_resources) %}
        {#- every such test of the models below (of a model the build did not run, its filter keeps no row); one of
            a model the build runs that is not below, or of another severity, would go unchecked: stop #}
        {%- if test.attached_node not in model.depends_on.nodes or (test.config.severity | lower) != 'error' %}
            {{ exceptions.raise_compiler_error(
                "assert_increment_column_rules cannot stand in for " ~ test.name ~ " (severity "
                ~ test.config.severity ~ ", model " ~ test.attached_node ~ "): add the model to its depends_on, "
                ~ "or leave the test out of incremental builds' exclusion (steps/build.py)") }}
        {%- endif %}
        {%- set column = test.column_name or test.test_metadata.kwargs.column_name %}
        {%- if test.test_metadata.name == 'not_null' %}
            {%- set broken = column ~ ' is null' %}
        {%- elif test.test_metadata.name == 'unique' %}
            {#- as dbt's unique: a value (nulls aside) on more than one row #}
            {%- set broken = none %}
        {%- else %}
            {#- as dbt's accepted_values: a value (nulls aside) outside the list #}
            {%- set quote = test.test_metadata.kwargs.get('quote', true) %}
            {%- set values = [] %}
            {%- for value in test.test_metadata.kwargs['values'] %}
                {%- do values.append("'" ~ (value | string | replace("'", "''")) ~ "'" if quote else value | string) %}
            {%- endfor %}
            {%- set broken = column ~ ' not in (' ~ (values | join(', ')) ~ ')' %}
        {%- endif %}
        {%- set where = test.config.get('where') %}
        {%- set only = ' filter (where ' ~ where ~ ')' if where else '' %}
        {%- if broken is none %}
            {%- set expression = 'count(' ~ column ~ ')' ~ only ~ ' - count(distinct ' ~ column ~ ')' ~ only %}
        {%- else %}
            {%- set expression = 'count(*) filter (where ' ~ ('(' ~ where ~ ') and ' if where else '')
                ~ broken ~ ')' %}
        {%- endif %}
        {#- the rule as it reads in the result (a quoted column, such as "left", without its quotes) #}
        {%- set name = (test.test_metadata.name ~ '(' ~ column ~ ')' ~ (' where ' ~ where if where else ''))
            | replace('"', '') %}
        {%- do checks.setdefault(test.attached_node, []).append((name, expression)) %}
    {%- endfor %}
{%- endif %}
{%- if checks %}
    {%- for node_id, rules in checks.items() | sort %}
        {%- set node = graph.nodes[node_id] %}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) %}
        select '{{ node.name }}' as model_name, rule, broken_rows
        from (
            unpivot (
                select
                    {%- for name, expression in rules %}
                    {{ expression }} as "{{ name }}"{{ ',' if not loop.last }}
                    {%- endfor %}
                from {{ get_where_subquery(relation) }}
            ) on columns(*) into name rule value broken_rows
        )
        where broken_rows > 0
        {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- else %}
    select null::varchar as model_name, null::varchar as rule, null::bigint as broken_rows
    where false
{%- endif %}
