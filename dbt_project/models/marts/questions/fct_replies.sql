-- One row per reply to a question: a channel message of the question's municipality that answers it
-- directly or through a later message of the same citizen in the thread; rank 1 is the first reply.
select
    reply_id::varchar as reply_id,
    question_id::varchar as question_id,
    channel_id::varchar as channel_id,
    gm_code::varchar as gm_code,
    replied_at::timestamptz as replied_at,
    reply_rank::integer as reply_rank,
    response_minutes::double as response_minutes,
    match_type::varchar as match_type
from {{ ref('int_replies_matched') }}
