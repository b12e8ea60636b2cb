-- Every reply to every question (CONTRACT.md §3): a message by a channel of the same municipality that
-- replies to the question itself (`direct`), or to a later message of the same citizen in the same thread
-- (`follow_up`: the citizen wrote again and the municipality answered that). One channel message can
-- answer several questions of a citizen. Ranked per question by time, then id. Minutes are between UTC
-- instants, so a clock change does not add or remove an hour.
-- Incremental: a build recomputes every reply of the touched questions (int_increment_questions).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_questions',
        touched_key='question_id'
    )
}}
-- depends_on: {{ ref('int_increment_questions') }}, {{ ref('int_increment_previous_replies') }}
with questions as (
    select * from {{ ref('int_questions_identified') }}
    where {{ touched_only('question_id', 'int_increment_questions', 'question_id') }}
),

messages as not materialized (
    -- read twice (follow-ups, channel replies), each time only the columns and rows that use needs: materialized,
    -- DuckDB would copy every column of every message first (half the model's time in an hourly build)
    select * from {{ ref('int_messages_addressed') }}
),

answered_messages as (
    -- the question itself, and each later message of its citizen in its thread
    select
        question_id,
        question_id as answered_message_id,
        'direct' as match_type
    from questions
    union all
    select
        questions.question_id,
        messages.message_id as answered_message_id,
        'follow_up' as match_type
    from questions
    inner join messages
        on
            questions.thread_id = messages.thread_id
            and questions.citizen_key = messages.author_key
            and questions.asked_at < messages.created_at
            and not messages.is_by_channel
),

matched as (
    select
        channel_replies.message_id as reply_id,
        questions.question_id,
        channel_replies.channel_id,
        channel_replies.gm_code,
        channel_replies.created_at as replied_at,
        (epoch(channel_replies.created_at) - epoch(questions.asked_at)) / 60.0 as response_minutes,
        min(answered_messages.match_type) as match_type
    from answered_messages
    inner join questions on answered_messages.question_id = questions.question_id
    inner join messages as channel_replies
        on
            answered_messages.answered_message_id = channel_replies.in_reply_to_message_id
            and questions.gm_code = channel_replies.gm_code
            and channel_replies.is_by_channel
    group by all
)

select
    *,
    row_number() over (partition by question_id order by replied_at asc, reply_id asc) as reply_rank
from matched
