-- The thread of every message. X and Facebook copies name it (`conversation_id`: the X thread root, the
-- Facebook post); otherwise (webcare-only copies, X archive tweets) the reply chain is followed up to a
-- message that names its thread, or to its first message. A chain whose parent was never exported ends
-- at that parent's id, so replies to one missing post still share a thread.
with recursive walk as (
    -- only messages that do not name their thread are walked (sorting every message's walk was most of the cost)
    select
        message_id,
        message_id as reached_id,
        conversation_id,
        in_reply_to_message_id as parent_id,
        0 as steps
    from {{ ref('int_messages_deduplicated') }}
    where conversation_id is null
    union all
    select
        walk.message_id,
        parents.message_id as reached_id,
        parents.conversation_id,
        parents.in_reply_to_message_id as parent_id,
        walk.steps + 1 as steps
    from walk
    inner join {{ ref('int_messages_deduplicated') }} as parents on walk.parent_id = parents.message_id
    -- a reply chain longer than 100 is a loop in bad data, not a thread
    where walk.conversation_id is null and walk.steps < 100
)

select
    message_id,
    conversation_id as thread_id,
    0 as steps_to_thread_id
from {{ ref('int_messages_deduplicated') }}
where conversation_id is not null
union all
(
    select
        message_id,
        coalesce(conversation_id, parent_id, reached_id) as thread_id,
        steps as steps_to_thread_id
    from walk
    qualify row_number() over (partition by message_id order by steps desc) = 1
)
