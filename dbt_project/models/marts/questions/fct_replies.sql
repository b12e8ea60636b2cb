-- One row per reply to a question: a channel message of the question's municipality that answers it
-- directly or through a later message of the same citizen in the thread; rank 1 is the first reply; and
-- the file its kept copy came from (all its copies: fct_message_sources).
-- Incremental: a build recomputes the replies of the touched questions (int_increment_questions).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        on_schema_change='fail',
        touched_model='int_increment_questions',
        touched_key='question_id'
    )
}}
-- depends_on: {{ ref('int_increment_questions') }}
select
    replies.reply_id::varchar as reply_id,
    replies.question_id::varchar as question_id,
    replies.channel_id::varchar as channel_id,
    replies.gm_code::varchar as gm_code,
    replies.replied_at::timestamptz as replied_at,
    replies.reply_rank::integer as reply_rank,
    replies.response_minutes::double as response_minutes,
    replies.match_type::varchar as match_type,
    origin.source_file::varchar as source_file,
    origin.source_sha256::varchar as source_sha256,
    origin.source_position::varchar as source_position
from {{ ref('int_replies_matched') }} as replies
left join {{ ref('fct_message_sources') }} as origin
    on replies.reply_id = origin.message_id and origin.is_winning_copy
where {{ touched_only('replies.question_id', 'int_increment_questions', 'question_id') }}
