{#-
    Every copy of every social message: the union of the staging models listed in the var
    `social_message_models` (dbt_project.yml), one per social landing source. A new source adds its staging
    model to that list, and every model that reads all copies (the deduplication, the lineage mart) reads it.
-#}
{% macro social_message_copies(columns='*') %}
    {%- for model in var('social_message_models') %}
    select {{ columns }} from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
