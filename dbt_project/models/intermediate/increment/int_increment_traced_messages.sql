-- The messages whose rows in fct_message_sources this build recomputes: the touched messages, and the
-- replies of the touched questions before and after this build. Empty in a full build.
-- depends_on: {{ ref('int_increment_messages_touched') }}, {{ ref('int_increment_previous_replies') }}, {{ ref('int_increment_questions') }}, {{ ref('int_replies_matched') }}
{% if increment_after() is not none %}
    select touched.message_id
    from {{ ref('int_increment_messages_touched') }} as touched
    union
    select previous.message_id
    from {{ ref('int_increment_previous_replies') }} as previous
    union
    select replies.reply_id as message_id
    from {{ ref('int_replies_matched') }} as replies
    where replies.question_id in (select touched.question_id from {{ ref('int_increment_questions') }} as touched)
{% else %}
    select null::varchar as message_id
    where false
{% endif %}
