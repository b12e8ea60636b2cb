-- The replies the touched questions had in the previous build (read before int_replies_matched replaces
-- them): a reply that no longer answers any question must leave the lineage mart. Empty in a full build.
-- depends_on: {{ ref('int_increment_questions') }}
{%- set previous = previous_build_of('int_replies_matched') %}
{% if increment_after() is not none and previous is not none %}
    select distinct previous.reply_id as message_id
    from {{ previous }} as previous
    where previous.question_id in (select touched.question_id from {{ ref('int_increment_questions') }} as touched)
{% else %}
    select null::varchar as message_id
    where false
{% endif %}
