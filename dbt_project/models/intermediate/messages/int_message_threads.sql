-- The thread of every message that does not name it. X and Facebook copies name it (`conversation_id`: the
-- X thread root, the Facebook post; int_messages_addressed takes it from there); for the others (webcare-only
-- copies, X archive tweets) the reply chain is followed up to a message that names its thread, or to its
-- first message. A chain whose parent was never exported ends at that parent's id, so replies to one
-- missing post still share a thread.
-- Incremental: a build recomputes the touched messages (int_increment_messages_touched: the changed ones and the
-- replies below them), whose walk up may reach a new or changed message.
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_messages_touched',
        touched_key='message_id'
    )
}}
-- depends_on: {{ ref('int_increment_messages_touched') }}
with recursive unnamed as materialized (
    select
        message_id,
        conversation_id,
        in_reply_to_message_id
    from {{ ref('int_messages_deduplicated') }}
    where conversation_id is null and {{ touched_only('message_id') }}
),

replied_to as materialized (
    -- the walk joins only the messages it can reach: those an unnamed message replies to (an unnamed one
    -- among them is also in `unnamed`). Joining every message rebuilt a hash table of all of them on each
    -- step, which ran out of memory under a 1 GB ceiling at scale 10.
    select
        message_id,
        conversation_id,
        in_reply_to_message_id
    from {{ ref('int_messages_deduplicated') }}
    where message_id in (select unnamed.in_reply_to_message_id from unnamed)
),

walk as (
    select
        message_id,
        message_id as reached_id,
        conversation_id,
        in_reply_to_message_id as parent_id,
        0 as steps
    from unnamed
    union all
    select
        walk.message_id,
        parents.message_id as reached_id,
        parents.conversation_id,
        parents.in_reply_to_message_id as parent_id,
        walk.steps + 1 as steps
    from walk
    inner join replied_to as parents on walk.parent_id = parents.message_id
    -- a reply chain longer than 100 is a loop in bad data, not a thread
    where walk.conversation_id is null and walk.steps < 100
)

select
    message_id,
    coalesce(conversation_id, parent_id, reached_id) as thread_id,
    steps as steps_to_thread_id
from walk
qualify row_number() over (partition by message_id order by steps desc) = 1
