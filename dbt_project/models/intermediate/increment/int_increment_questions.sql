-- The questions whose replies, response time and fact rows this build recomputes: every touched message
-- (whether or not it is, or was, a question) and every question in a thread a touched message is in, was
-- in, or replies into (a follow-up or a reply there can change which reply is a question's first). Empty
-- in a full build.
-- depends_on: {{ ref('int_increment_messages_touched') }}, {{ ref('int_messages_addressed') }}, {{ ref('int_questions_identified') }}
{% if increment_after() is not none %}
    with touched as (
        select * from {{ ref('int_increment_messages_touched') }}
    ),

    addressed as not materialized (
        -- read twice, each time for the few rows a semi-join keeps: materialized, it would copy every message
        select * from {{ ref('int_messages_addressed') }}
    ),

    touched_now as materialized (
        -- the touched messages' rows now: one scan of all messages, probing the (small) touched set, read twice
        -- below (DuckDB had materialized all 15 M messages' rows at bench scale 10 and scanned them three times)
        select
            addressed.thread_id,
            addressed.in_reply_to_message_id
        from addressed
        where addressed.message_id in (select touched.message_id from touched)
    ),

    threads as (
        select touched.previous_thread_id as thread_id
        from touched
        where touched.previous_thread_id is not null
        union
        select touched_now.thread_id
        from touched_now
        union
        select parents.thread_id
        from addressed as parents
        where parents.message_id in (select touched_now.in_reply_to_message_id from touched_now)
    )

    select questions.question_id
    from {{ ref('int_questions_identified') }} as questions
    where questions.thread_id in (select threads.thread_id from threads)
    union
    select touched.message_id as question_id
    from touched
{% else %}
    select null::varchar as question_id
    where false
{% endif %}
